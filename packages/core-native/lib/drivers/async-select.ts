// The 'async-select' driver: model 2 as a Winsock server uses it. One MessageWindow per thread
// (made on first use) receives every socket's network events as WM_SOCKET messages
// (WSAAsyncSelect), and its window procedure routes them by socket: FD_ACCEPT to a listener's
// accepts, FD_READ and FD_CLOSE to a connection's recv, FD_WRITE to its unfinished send,
// FD_CONNECT to connect(). Winsock's re-enabling rules do the rest: FD_READ comes again only after
// a recv (so a paused connection, which does not recv, hears no more), FD_WRITE only after a send
// failed with EWOULDBLOCK, FD_ACCEPT after accept. One window serves any number of sockets, so
// the model has no limit of its own to scale past.
import { FD_ACCEPT, FD_CLOSE, FD_CONNECT, FD_READ, FD_WRITE } from '../constants.js'
import { wsaError } from '../errors.js'
import { MessageWindow, asyncSelect } from '../network-events.js'
import type { Socket } from '../socket.js'
import { connectSocket } from './connect-socket.js'
import { createConnection, type Connection, type ConnectionIo, type ConnectionSink } from './connection.js'
import { createListener, type Listener, type ListenerIo, type ListenerSink } from './listener.js'
import { readinessAccepts } from './readiness-accepts.js'
import { closeError, readinessConnection } from './readiness-connection.js'

const WM_USER = 0x0400
const WM_SOCKET = WM_USER + 1

const CONNECTION_EVENTS = FD_READ | FD_WRITE | FD_CLOSE
const LISTENER_EVENTS = FD_ACCEPT | FD_CLOSE
const CONNECTING_EVENTS = FD_CONNECT | FD_READ | FD_WRITE | FD_CLOSE

/** What a socket's messages do: (WSAGETSELECTEVENT, WSAGETSELECTERROR). */
type Route = (event: number, error: number) => void

// The thread's window (each module instance is per thread, as a Worker loads its own), and where
// each socket's messages go. A socket leaves `routes` before it closes; closing it ends its
// selection, and the window drops the messages of a closed socket, queued ones included.
let window: MessageWindow | undefined
const routes = new Map<Socket, Route>()

function theWindow(): MessageWindow {
  window ??= new MessageWindow((msg, socket, event, error) => {
    if (msg === WM_SOCKET) routes.get(socket)?.(event, error)
  })
  return window
}

/** WSAAsyncSelect(socket, the window, WM_SOCKET, events), with the socket's messages going to `route`. */
function select(socket: Socket, events: number, route: Route): void {
  routes.set(socket, route)
  asyncSelect(socket, theWindow(), WM_SOCKET, events)
}

/** The call a message's error is reported as: the one that would have met it. */
function syscallOf(event: number): string {
  switch (event) {
    case FD_ACCEPT:
      return 'accept'
    case FD_CONNECT:
      return 'connect'
    case FD_WRITE:
      return 'send'
    default:
      return 'recv'
  }
}

function setRef(socket: Socket, on: boolean): void {
  if (on) socket.ref()
  else socket.unref()
}

/** A connection's I/O: one recv per FD_READ, sends until EWOULDBLOCK and FD_WRITE (readiness-connection.ts). */
function connectionIo(socket: Socket): (sink: ConnectionSink) => ConnectionIo {
  return (sink) => {
    // FD_CLOSE came: the peer's FIN, maybe behind data still unread (Winsock records it at once),
    // is there to recv, and no FD_READ announces the end, so each receive() goes on reading without
    // one until the recv that returns 0 ('end'). One recv per turn of the loop, as one per message.
    let peerClosed = false
    let again: ReturnType<typeof setImmediate> | undefined
    const readAgain = (on: boolean): void => {
      if (!on) {
        if (again !== undefined) clearImmediate(again)
        again = undefined
      } else if (peerClosed && again === undefined) {
        again = setImmediate(() => {
          again = undefined
          c.readable()
        })
      }
    }
    const c = readinessConnection(socket, sink, {
      wantRead: readAgain, // FD_READ comes unasked while FD_READ is enabled
      wantWrite: () => {}, // FD_WRITE comes once a send has failed with EWOULDBLOCK
      ref: (on) => setRef(socket, on),
      forget: () => {
        readAgain(false)
        routes.delete(socket)
      },
    })
    // Selected anew rather than inherited (an accepted socket has its listener's FD_ACCEPT |
    // FD_CLOSE; a connected one may have had FD_READ while connect() was resolving, unheard):
    // selecting clears the record and reports at once what is already true.
    select(socket, CONNECTION_EVENTS, (event, error) => {
      if (error !== 0) return c.failed(event === FD_CLOSE ? closeError(error) : wsaError(error, syscallOf(event)))
      if (event === FD_WRITE) return c.writable()
      if (event === FD_CLOSE) peerClosed = true
      c.readable() // FD_READ, FD_CLOSE
    })
    return c.io
  }
}

function listenerIo(listener: Socket): (sink: ListenerSink) => ListenerIo {
  return (sink) => {
    // FD_ACCEPT comes unasked, and again after accept() while connections remain queued.
    const accepts = readinessAccepts(listener, sink, () => {})
    select(listener, LISTENER_EVENTS, (event, error) => {
      if (error !== 0) sink.failed(wsaError(error, syscallOf(event)))
      else if (event === FD_ACCEPT) accepts.acceptable()
    })
    return {
      ref: (on) => setRef(listener, on),
      close: () => {
        routes.delete(listener)
        accepts.close()
        listener.close()
      },
      connection: (socket) => connectionIo(socket),
    }
  }
}

export function listenAsyncSelect(listener: Socket): Listener {
  return createListener(listener, 'async-select', listenerIo(listener))
}

/** A non-blocking connect() whose FD_CONNECT message settles it, with a time-out (ETIMEDOUT) when `timeoutMs` is given. */
export async function connectAsyncSelect(
  port: number,
  host: string,
  family: 4 | 6,
  timeoutMs: number | undefined,
): Promise<Connection> {
  let connecting: Socket | undefined
  const { socket, remote } = await connectSocket(
    family,
    timeoutMs,
    'connect',
    (s, done) => {
      connecting = s
      select(s, CONNECTING_EVENTS, (event, error) => {
        if (event === FD_CONNECT) done(error === 0 ? null : wsaError(error, 'connect'))
      })
      s.connect(port, host)
    },
    () => {
      if (connecting) routes.delete(connecting)
    },
  )
  return createConnection(socket, remote, 'async-select', connectionIo(socket))
}
