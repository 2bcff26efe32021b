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
// larger ones take the buffer with them, and the next receive gets a new one.
const COPY_OUT_MAX = 4 * 1024

/** How a driver posts a connection's operations (recvOverlapped/sendOverlapped as its model calls them). */
export interface OverlappedPosts {
  recv(buffers: Uint8Array, ov: Overlapped): void
  send(buffers: Uint8Array | Uint8Array[], ov: Overlapped): void
  /** The connection is closing: stop routing its completions (called once, before the socket closes). */
  forget(): void
}

export interface OverlappedConnection {
  io: ConnectionIo
  /** The driver heard that the operation of `ov` (the `recv` or `send` given) completed, with `error` or not. */
  completed(ov: Overlapped, error: WsmError | null): void
}

/** True for the cancellation a close() causes: not an error of the connection. */
export function isCancellation(error: WsmError | null | undefined): boolean {
  return error?.code === 'ECANCELED'
}

export function overlappedConnection(
  socket: Socket,
  sink: ConnectionSink,
  recv: Overlapped,
  send: Overlapped,
  posts: OverlappedPosts,
): OverlappedConnection {
  let closed = false
  // The zero-byte receive completed while the connection did not want data: read on receive().
  let readable = false
  // The buffered gear: the buffer of the WSARecv posted (or to post) with one, null in the zero-byte gear.
  let hotBuffer: Buffer | null = null
  let hotBytes = HOT_BYTES
  // What a buffered receive brought while the connection did not want data: given on receive().
  let held: Buffer | 'end' | null = null
  let watch: HotWatch | null = null

  const fail = (err: unknown): void => {
    if (!closed) sink.failed(err as WsmError)
  }
  const deliver = (chunk: Buffer | 'end'): void => {
    if (!sink.wanted()) held = chunk
    else if (chunk === 'end') sink.end()
    else sink.data(chunk)
  }
  const heat = (): void => {
    hotBuffer ??= Buffer.allocUnsafeSlow(hotBytes)
    if (watch === null) watch = watchHotReceive(idle)
    else watch.touch()
  }
  // Quiet for a sweep interval: cancel the buffered receive (its completion cools), or, with none
  // posted (paused), give the buffer up now.
  const idle = (): void => {
    if (recv.pending) cancelIoEx(socket, recv)
    else if (held === null) cool()
  }
  const cool = (): void => {
    hotBuffer = null
    hotBytes = HOT_BYTES
    watch?.stop()
    watch = null
  }
  // Data or the end is there: one recv() into the slab.
  const read = (): void => {
    readable = false
    let n: number
    const space = receiveSpace()
    try {
      n = socket.recv(space)
    } catch (err) {
      if ((err as WsmError).code === 'EWOULDBLOCK') post()
      else fail(err)
      return
    }
    if (n === 0) return sink.end()
    heat()
    sink.data(takeReceived(space, n))
  }
  const post = (): void => {
    try {
      posts.recv(hotBuffer ?? NO_BUFFER, recv)
    } catch (err) {
      fail(err)
    }
  }
  // A buffered receive completed with `n` bytes.
  const receivedInto = (buffer: Buffer, n: number): void => {
    watch?.touch()
    if (n === 0) return deliver('end')
    let chunk: Buffer
    if (n <= COPY_OUT_MAX) {
      chunk = Buffer.allocUnsafe(n) // small ones share Node's pool
      buffer.copy(chunk, 0, 0, n)
    } else {
      chunk = buffer.subarray(0, n)
      if (hotBuffer === buffer) hotBuffer = null
      if (n === buffer.length) hotBytes = HOT_BULK_BYTES
    }
    deliver(chunk)
  }

  return {
    completed: (ov, error) => {
      if (closed) return
      if (ov === send) {
        if (error === null) sink.sent()
        else if (!isCancellation(error)) fail(error)
        return
      }
      if (ov !== recv) return
      const buffer = hotBuffer
      if (error !== null) {
        if (!isCancellation(error)) return fail(error)
        // The sweep cancelled an idle buffered receive: back to the zero-byte wait.
        cool()
        if (sink.wanted()) post()
      } else if (buffer !== null) {
        receivedInto(buffer, recv.bytes)
      } else if (sink.wanted()) {
        read()
      } else {
        readable = true
      }
    },
    io: {
      receive: () => {
        if (closed || recv.pending) return
        if (held !== null) {
          const chunk = held
          held = null
          deliver(chunk)
        } else if (readable) {
          read()
        } else {
          if (hotBuffer === null && watch !== null) hotBuffer = Buffer.allocUnsafeSlow(hotBytes)
          post()
        }
      },
      send: (buffers) => {
        try {
          posts.send(buffers.length === 1 ? buffers[0]! : buffers, send)
        } catch (err) {
          // Reported as a completion would be: after write() has returned.
          process.nextTick(fail, err)
        }
      },
      ref: (on) => setLoopRef(socket, on),
      close: () => {
        if (closed) return
        closed = true
        cool()
        posts.forget()
        socket.close()
      },
    },
  }
}
