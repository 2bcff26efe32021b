// What the readiness-model servers (select, WSAAsyncSelect, WSAEventSelect) share: non-blocking
// receives, and echo bytes waiting for the kernel's send buffer to have room.
import { WsmError, type Socket } from '@wsm/core-native'

function wouldBlock(err: unknown): boolean {
  return err instanceof WsmError && err.code === 'EWOULDBLOCK'
}

/**
 * One non-blocking recv into `buffer`: a copy of the bytes, null at the end of the stream, or
 * undefined when nothing is there (EWOULDBLOCK). Other errors are thrown.
 */
export function receive(socket: Socket, buffer: Buffer): Buffer | null | undefined {
  let n: number
  try {
    n = socket.recv(buffer)
  } catch (err) {
    if (wouldBlock(err)) return undefined
    throw err
  }
  return n === 0 ? null : Buffer.from(buffer.subarray(0, n))
}

/** Bytes to send, in order; a partial send resumes where the kernel stopped. */
export class Outbox {
  #chunks: Buffer[] = []
  #bytes = 0

  get bytes(): number {
    return this.#bytes
  }

  push(data: Buffer): void {
    this.#chunks.push(data)
    this.#bytes += data.length
  }

  /** Sends what the kernel takes. Returns the bytes sent; `bytes` tells what is left. */
  flush(socket: Socket): number {
    let total = 0
    while (this.#chunks.length > 0) {
      const head = this.#chunks[0]!
      let sent: number
      try {
        sent = socket.send(head)
      } catch (err) {
        if (wouldBlock(err)) break // full: the model says when there is room
        throw err
      }
      total += sent
      this.#bytes -= sent
      if (sent === head.length) this.#chunks.shift()
      else this.#chunks[0] = head.subarray(sent)
    }
    return total
  }
}
