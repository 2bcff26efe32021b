// A connection's I/O over overlapped WSARecv/WSASend, the same for the three completion-based
// drivers (iocp, overlapped-event, completion-routine); only how an operation is posted and how its
// completion is heard differ, and the driver passes those in.
//
// Receiving has two gears. An idle connection waits on a zero-byte WSARecv, so it holds no receive
// buffer; once that says bytes are there, one recv() reads them into the shared slab
// (test/drivers-idle.test.ts guards the memory). A connection that has just received is likely to
// receive again soon, so its next WSARecv is posted with a buffer of its own: the bytes then come
// with the completion, without the recv() system call per message that the zero-byte gear costs.
// A buffered receive still pending at two sweeps in a row (HOT_IDLE_MS) is cancelled and the
// connection goes back to the zero-byte wait (hot-receives.ts), so an idle connection holds no
// buffer for long.
import type { WsmError } from '../errors.js'
import { cancelIoEx, type Overlapped } from '../overlapped.js'
import type { Socket } from '../socket.js'
import type { ConnectionIo, ConnectionSink } from './connection.js'
import { watchHotReceive, type HotWatch } from './hot-receives.js'
import { setLoopRef } from './loop-ref.js'
import { receiveSpace, takeReceived } from './receive-slab.js'

// WSARecv's buffer for the zero-byte receive.
const NO_BUFFER = new Uint8Array(0)
// A buffered receive's buffer: small at first; the next one is large after a receive filled it (bulk).
const HOT_BYTES = 16 * 1024
const HOT_BULK_BYTES = 64 * 1024
// Received chunks up to this size are copied out (into Node's pool) and the buffer is posted again;
// larger ones are slices of it, and the next receive goes into the rest.
const COPY_OUT_MAX = 4 * 1024
// A buffer with less room left than this is replaced for the next receive.
const MIN_HOT_SPACE = 16 * 1024

/** True for the cancellation a close() causes: not an error of the connection. */
export function isCancellation(error: WsmError | null | undefined): boolean {
  return error?.code === 'ECANCELED'
}

/**
 * One connection's I/O; a driver subclasses it with how its model posts WSARecv and WSASend
 * (postRecv, postSend) and tells it each completion (completed). A class, not closures: an idle
 * connection's JavaScript memory is a few objects (the idle benchmark counts it).
 */
export abstract class OverlappedConnection implements ConnectionIo {
  protected readonly socket: Socket
  readonly #sink: ConnectionSink
  readonly #recv: Overlapped
  #send: Overlapped | null = null // made by the first send: an idle connection may never send
  #closed = false
  // The zero-byte receive completed while the connection did not want data: read on receive().
  #readable = false
  // The buffered gear: the buffer of the WSARecv posted (or to post) with one, null in the zero-byte gear.
  #hotBuffer: Buffer | null = null
  #hotBytes = HOT_BYTES
  // What a buffered receive brought while the connection did not want data: given on receive().
  #held: Buffer | 'end' | null = null
  #watch: HotWatch | null = null

  constructor(socket: Socket, sink: ConnectionSink, recv: Overlapped) {
    this.socket = socket
    this.#sink = sink
    this.#recv = recv
  }

  /** A new Overlapped for this connection's operations, as the model makes them. */
  protected abstract overlapped(): Overlapped

  /** Posts WSARecv into `buffer` on `ov`, as the model does; throws as the call does. */
  protected abstract postRecv(buffer: Uint8Array, ov: Overlapped): void
  /** Posts WSASend of `buffers` on `ov`, as the model does; throws as the call does. */
  protected abstract postSend(buffers: Uint8Array | Uint8Array[], ov: Overlapped): void
  /** The connection is closing: stop routing its completions (called once, before the socket closes). */
  protected abstract forget(): void

  /** The driver heard that the operation of `ov` (its recv or send) completed, with `error` or not. */
  completed(ov: Overlapped, error: WsmError | null): void {
    if (this.#closed) return
    if (ov === this.#send) {
      if (error === null) this.#sink.sent()
      else if (!isCancellation(error)) this.#fail(error)
      return
    }
    if (ov !== this.#recv) return
    const buffer = this.#hotBuffer
    if (error !== null) {
      if (!isCancellation(error)) return this.#fail(error)
      // The sweep cancelled an idle buffered receive: back to the zero-byte wait.
      this.#cool()
      if (this.#sink.wanted()) this.#post()
    } else if (buffer !== null) {
      this.#receivedInto(buffer, ov.bytes)
    } else if (this.#sink.wanted()) {
      this.#read()
    } else {
      this.#readable = true
    }
  }

  receive(): void {
    if (this.#closed || this.#recv.pending) return
    if (this.#held !== null) {
      const chunk = this.#held
      this.#held = null
      this.#deliver(chunk)
    } else if (this.#readable) {
      this.#read()
    } else {
      if (this.#hotBuffer === null && this.#watch !== null) this.#hotBuffer = Buffer.allocUnsafeSlow(this.#hotBytes)
      this.#post()
    }
  }

  send(buffers: Uint8Array[]): void {
    try {
      this.postSend(buffers.length === 1 ? buffers[0]! : buffers, (this.#send ??= this.overlapped()))
    } catch (err) {
      // Reported as a completion would be: after write() has returned.
      process.nextTick(() => this.#fail(err))
    }
  }

  ref(on: boolean): void {
    setLoopRef(this.socket, on)
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#cool()
    this.forget()
    this.socket.close()
  }

  /** The sweep found this connection quiet: cancel its buffered receive (its completion cools it), or, with none posted (paused), give the buffer up now. */
  idle(): void {
    if (this.#recv.pending) cancelIoEx(this.socket, this.#recv)
    else if (this.#held === null) this.#cool()
  }

  #fail(err: unknown): void {
    if (!this.#closed) this.#sink.failed(err as WsmError)
  }

  #deliver(chunk: Buffer | 'end'): void {
    if (!this.#sink.wanted()) this.#held = chunk
    else if (chunk === 'end') this.#sink.end()
    else this.#give(chunk)
  }

  // Gives `chunk`; if the listener paused the connection meanwhile, the buffered gear posts its next
  // receive all the same (one, whose bytes are held until resume()): resume() then finds them there,
  // where it would otherwise post the receive and wait a loop turn for it, and an echo that pauses
  // on every chunk alternated its receives and sends (test/drivers-hot-receive.test.ts, "read-ahead").
  #give(chunk: Buffer): void {
    this.#sink.data(chunk)
    if (!this.#closed && this.#watch !== null && !this.#sink.wanted()) this.receive()
  }

  #heat(): void {
    this.#hotBuffer ??= Buffer.allocUnsafeSlow(this.#hotBytes)
    if (this.#watch === null) this.#watch = watchHotReceive(this)
    else this.#watch.touch()
  }

  #cool(): void {
    this.#hotBuffer = null
    this.#hotBytes = HOT_BYTES
    this.#watch?.stop()
    this.#watch = null
  }

  // Data or the end is there: one recv() into the slab.
  #read(): void {
    this.#readable = false
    let n: number
    const space = receiveSpace()
    try {
      n = this.socket.recv(space)
    } catch (err) {
      if ((err as WsmError).code === 'EWOULDBLOCK') this.#post()
      else this.#fail(err)
      return
    }
    if (n === 0) return this.#sink.end()
    this.#heat()
    this.#give(takeReceived(space, n))
  }

  #post(): void {
    try {
      this.postRecv(this.#hotBuffer ?? NO_BUFFER, this.#recv)
    } catch (err) {
      // A receive on a reset connection fails at the call, as WSARecv does; it is reported as a
      // completion would be, after the caller (the connection being made, whose 'error' listener
      // is not attached yet) has returned.
      process.nextTick(() => this.#fail(err))
    }
  }

  // A buffered receive completed with `n` bytes.
  #receivedInto(buffer: Buffer, n: number): void {
    this.#watch?.touch()
    if (n === 0) return this.#deliver('end')
    let chunk: Buffer
    if (n <= COPY_OUT_MAX) {
      chunk = Buffer.allocUnsafe(n) // small ones share Node's pool
      buffer.copy(chunk, 0, 0, n)
    } else {
      // The chunk is a slice of the buffer, and the next receive goes into the rest of it (a new
      // buffer once less than MIN_HOT_SPACE is left): one allocation serves several chunks.
      chunk = buffer.subarray(0, n)
      if (n === buffer.length) this.#hotBytes = HOT_BULK_BYTES
      if (this.#hotBuffer === buffer) {
        const taken = (n + 7) & ~7 // the next slice starts 8-byte aligned
        this.#hotBuffer = buffer.length - taken >= MIN_HOT_SPACE ? buffer.subarray(taken) : null
      }
    }
    this.#deliver(chunk)
  }
}
