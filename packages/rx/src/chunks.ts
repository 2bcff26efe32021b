// The pull side of an RxConnection: yields the chunks as they were received, reading ahead until a
// high-water mark of bytes is waiting, then pauses the connection (no receive is posted, the
// kernel's buffer fills, TCP holds the peer back) until the consumer has taken it below the mark.
// Memory stays within the mark plus one receive, however slow the consumer
// (test/connection-backpressure.test.ts).
import type { WsmError } from '@wsm/core-native'
import { secondConsumer, type ReceiveState } from './receive-state.js'

export interface ChunksOptions {
  /** Bytes read ahead before the connection is paused (64 KiB by default). */
  highWaterMark?: number
  /**
   * Receives waiting together are yielded as one Buffer of up to this many bytes (a receive larger
   * than it is yielded whole). By default each receive is yielded as it came. Fewer, larger chunks
   * for a consumer whose cost is per chunk.
   */
  maxChunk?: number
}

export async function* readChunks(state: ReceiveState, highWaterMark: number, maxChunk: number): AsyncGenerator<Buffer, void, undefined> {
  const { connection } = state
  if (state.failure) throw state.failure
  if (state.ended || connection.destroyed) return
  if (state.consumed) throw secondConsumer()
  state.consumed = true
  const queue: Buffer[] = []
  let queued = 0
  let done = false
  let failure: WsmError | null = null
  let wake: (() => void) | null = null
  const onData = (chunk: Buffer) => {
    queue.push(chunk)
    queued += chunk.length
    if (queued >= highWaterMark) connection.pause()
    wake?.()
  }
  const onEnd = () => {
    done = true
    wake?.()
  }
  const onError = (err: WsmError) => {
    failure = err
    wake?.()
  }
  connection.on('data', onData).on('end', onEnd).on('close', onEnd).on('error', onError)
  try {
    for (;;) {
      if (queue.length > 0) {
        const chunk = take(queue, maxChunk)
        queued -= chunk.length
        // Refilled below the mark, not only once empty: the consumer's pace, without a stop-start
        // TCP window.
        if (queued < highWaterMark && !done && failure === null) connection.resume()
        yield chunk
        continue
      }
      if (failure !== null) throw failure
      if (done) return
      connection.resume()
      await new Promise<void>((resolve) => (wake = resolve))
      wake = null
    }
  } finally {
    connection.off('data', onData).off('end', onEnd).off('close', onEnd).off('error', onError)
    state.consumed = false
    // A break before the end destroys the connection, as data$'s unsubscription does
    // (test/connection-errors.test.ts, "chunks()").
    if (!done && failure === null) connection.destroy()
  }
}

// The first receive of `queue`, with the ones after it that fit in `maxChunk` bytes, as one Buffer.
function take(queue: Buffer[], maxChunk: number): Buffer {
  let n = 1
  let bytes = queue[0]!.length
  while (n < queue.length && bytes + queue[n]!.length <= maxChunk) bytes += queue[n++]!.length
  const taken = queue.splice(0, n)
  return n === 1 ? taken[0]! : Buffer.concat(taken, bytes)
}
