// A connection's I/O over non-blocking recv()/send(), the same for the three readiness-based
// drivers (select, async-select, event-select); only how readiness is asked for and heard differs,
// and the driver passes that in. The model says when the socket is readable or writable; this
// module does the one recv per notice, finishes partial sends, and holds a readable notice while
// the connection is paused (no recv: the kernel's buffer fills and the peer's sends block; for
// WSAAsyncSelect and WSAEventSelect no recv also means no new FD_READ, as Winsock re-enables it
// only by a recv).
import { wsaError, type WsmError } from '../errors.js'
import type { Socket } from '../socket.js'
import type { ConnectionIo, ConnectionSink } from './connection.js'
import { receiveSpace, takeReceived } from './receive-slab.js'

const WSAECONNABORTED = 10053
const WSAECONNRESET = 10054

/**
 * The error a connection fails with when FD_CLOSE carries `wsaCode`. Windows records the peer's
 * reset in FD_CLOSE as WSAECONNABORTED, where recv and send give WSAECONNRESET; a connection
 * reports what its recv would, ECONNRESET, as Node's sockets do (test/drivers-events.test.ts).
 */
export function closeError(wsaCode: number): WsmError {
  return wsaError(wsaCode === WSAECONNABORTED ? WSAECONNRESET : wsaCode, 'recv')
}

/** How a driver asks its model about one connection. */
export interface ReadinessHooks {
  /**
   * Whether the connection waits to hear readable() (select: in the read set). Message and event
   * models, whose FD_READ comes unasked, may ignore it.
   */
  wantRead(on: boolean): void
  /** Whether the connection waits to hear writable(): only while a send is unfinished (select: in the write set). */
  wantWrite(on: boolean): void
  /** Whether this connection keeps the process alive. */
  ref(on: boolean): void
  /** The connection is closing: stop its notices (called once, before the socket closes). */
  forget(): void
}

export interface ReadinessConnection {
  io: ConnectionIo
  /** The model says there is something to read: data, the peer's FIN or a reset (FD_READ, FD_CLOSE, read set). */
  readable(): void
  /** The model says there is room to send (FD_WRITE, write set). */
  writable(): void
  /** The model reported an error for the socket (FD_CLOSE's error code): the connection fails with it. */
  failed(err: WsmError): void
}

function wouldBlock(err: unknown): boolean {
  return (err as WsmError | undefined)?.code === 'EWOULDBLOCK'
}

export function readinessConnection(socket: Socket, sink: ConnectionSink, hooks: ReadinessHooks): ReadinessConnection {
  let closed = false
  // A readable notice came while the connection did not want data: recv on the next receive().
  let readable = false
  // The unsent rest of the current send, in order (the caller's buffers: Connection#write has them
  // until the write completes).
  let unsent: Uint8Array[] = []
  let waitingForRoom = false

  const fail = (err: unknown): void => {
    if (!closed) sink.failed(err as WsmError)
  }

  // One recv into the slab; EWOULDBLOCK (a notice that raced a read) waits for the next notice.
  const read = (): void => {
    readable = false
    const space = receiveSpace()
    let n: number
    try {
      n = socket.recv(space)
    } catch (err) {
      if (wouldBlock(err)) hooks.wantRead(true)
      else fail(err)
      return
    }
    if (n === 0) sink.end()
    else sink.data(takeReceived(space, n))
  }

  // Sends what the kernel takes of `unsent`; true once all of it went out. A partial send is
  // followed by another until one fails with EWOULDBLOCK (thrown only when nothing was taken):
  // Winsock re-enables FD_WRITE only after a send that would block, so stopping at a partial send
  // waited for an FD_WRITE that never came (test/readiness-connection.test.ts).
  const flush = (): boolean => {
    while (unsent.length > 0) {
      const head = unsent[0]!
      const sent = socket.send(head)
      if (sent === head.byteLength) unsent.shift()
      else unsent[0] = head.subarray(sent)
    }
    return true
  }

  // The sink hears a send that went out inside send() after write() has returned, as a completion:
  // inline, write callbacks ran inside write(), and a callback that writes again recursed until the
  // stack overflowed (test/drivers-writes.test.ts).
  const sentLater = (): void => {
    if (!closed) sink.sent()
  }

  const trySend = (inSend: boolean): void => {
    let done: boolean
    try {
      done = flush()
    } catch (err) {
      if (!wouldBlock(err)) {
        unsent = []
        // Reported as a completion would be: after write() has returned.
        process.nextTick(fail, err)
        return
      }
      done = false
    }
    if (!done) {
      if (!waitingForRoom) {
        waitingForRoom = true
        hooks.wantWrite(true)
      }
      return
    }
    if (waitingForRoom) {
      waitingForRoom = false
      hooks.wantWrite(false)
    }
    if (inSend) process.nextTick(sentLater)
    else sink.sent()
  }

  return {
    readable: () => {
      if (closed) return
      hooks.wantRead(false)
      if (sink.wanted()) read()
      else readable = true
    },
    writable: () => {
      if (closed || !waitingForRoom) return
      trySend(false)
    },
    failed: fail,
    io: {
      receive: () => {
        if (closed) return
        if (readable) read()
        else hooks.wantRead(true)
      },
      send: (buffers) => {
        if (closed) return
        unsent = buffers.slice()
        trySend(true)
      },
      ref: (on) => hooks.ref(on),
      close: () => {
        if (closed) return
        closed = true
        unsent = []
        hooks.forget()
        socket.close()
      },
    },
  }
}
