// A connection's I/O over overlapped WSARecv/WSASend, the same for the three completion-based
// drivers (iocp, overlapped-event, completion-routine); only how an operation is posted and how its
// completion is heard differ, and the driver passes those in. An idle connection waits on a
// zero-byte WSARecv, so it holds no receive buffer; once that says bytes are there, one recv()
// reads them into the shared slab (test/drivers-idle.test.ts guards the memory).
import type { WsmError } from '../errors.js'
import type { Overlapped } from '../overlapped.js'
import type { Socket } from '../socket.js'
import type { ConnectionIo, ConnectionSink } from './connection.js'
import { setLoopRef } from './loop-ref.js'
import { receiveSpace, takeReceived } from './receive-slab.js'

// WSARecv's buffer for the zero-byte receive.
const NO_BUFFER = new Uint8Array(0)

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

  const fail = (err: unknown): void => {
    if (!closed) sink.failed(err as WsmError)
  }
  // Data or the end is there: one recv() into the slab.
  const read = (): void => {
    readable = false
    let n: number
    const space = receiveSpace()
    try {
      n = socket.recv(space)
    } catch (err) {
      if ((err as WsmError).code === 'EWOULDBLOCK') wait()
      else fail(err)
      return
    }
    if (n === 0) sink.end()
    else sink.data(takeReceived(space, n))
  }
  const wait = (): void => {
    try {
      posts.recv(NO_BUFFER, recv)
    } catch (err) {
      fail(err)
    }
  }

  return {
    completed: (ov, error) => {
      if (closed) return
      if (error !== null) {
        if (!isCancellation(error)) fail(error)
      } else if (ov === recv) {
        if (sink.wanted()) read()
        else readable = true
      } else if (ov === send) {
        sink.sent()
      }
    },
    io: {
      receive: () => {
        if (closed || recv.pending) return
        if (readable) read()
        else wait()
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
        posts.forget()
        socket.close()
      },
    },
  }
}
