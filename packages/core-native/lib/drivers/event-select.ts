// The 'event-select' driver: model 3 as Winsock servers use it. Every socket has its own event
// object, selected with WSAEventSelect (FD_ACCEPT | FD_CLOSE for a listener, FD_CONNECT while
// connecting, FD_READ | FD_WRITE | FD_CLOSE for a connection); the events are waited on with
// WSAWaitForMultipleEvents in groups of 63 (event-waits.ts, shared with the overlapped-event
// driver), and a signalled event's socket says what happened with WSAEnumNetworkEvents, which
// resets the event. The non-blocking recv and send, and the accepts, are the readiness core's.
import { FD_ACCEPT, FD_CLOSE, FD_CONNECT, FD_READ, FD_WRITE } from '../constants.js'
import { wsaError } from '../errors.js'
import { enumNetworkEvents, eventSelect, type NetworkEvents } from '../network-events.js'
import type { Socket } from '../socket.js'
import { WsaEvent } from '../wsa-event.js'
import { connectSocket } from './connect-socket.js'
import { createConnection, type Connection, type ConnectionIo, type ConnectionSink } from './connection.js'
import { waitOn } from './event-waits.js'
import { createListener, type Listener, type ListenerIo, type ListenerSink } from './listener.js'
import { setLoopRef } from './loop-ref.js'
import { readinessAccepts } from './readiness-accepts.js'
import { closeError, readinessConnection } from './readiness-connection.js'

type Heard = (record: NetworkEvents) => void

/**
 * One socket's WSAEventSelect: its own event, waited on in a group; whenever it is signalled, the
 * socket's record (WSAEnumNetworkEvents) goes to the `heard` of the last select().
 */
class SelectedSocket {
  readonly #socket: Socket
  readonly #event = new WsaEvent()
  readonly #stopWaiting: () => void
  #heard: Heard = () => {}

  constructor(socket: Socket) {
    this.#socket = socket
    this.#stopWaiting = waitOn(this.#event, () => this.#signalled())
  }

  /**
   * WSAEventSelect(socket, event, events): replaces the selection (an accepted socket's is the
   * listener's, inherited) and clears the record; what is already true is recorded again.
   */
  select(events: number, heard: Heard): void {
    this.#heard = heard
    eventSelect(this.#socket, this.#event, events)
  }

  /** Leaves the group and closes the event; called before the socket closes (which ends the selection). */
  close(): void {
    this.#stopWaiting()
    this.#event.close()
  }

  #signalled(): void {
    if (this.#socket.closed) return
    const record = enumNetworkEvents(this.#socket, this.#event)
    if (record.events !== 0) this.#heard(record)
  }
}

/**
 * A connection's I/O over its selected socket. FD_READ and FD_WRITE come unasked (Winsock records
 * FD_READ again after each recv while data remains, FD_WRITE after a send that would block), so
 * the core's wantRead/wantWrite need no call, with one exception: FD_CLOSE is recorded once, and
 * Winsock may record it with data still unread; the end behind that data then has no notice of its
 * own, so after FD_CLOSE every read the core asks for is started here (the echo and paused-FIN
 * tests of test/drivers-event-select.test.ts hang without this).
 */
function connectionIo(socket: Socket, selected: SelectedSocket): (sink: ConnectionSink) => ConnectionIo {
  return (sink) => {
    let closeHeard = false
    let wantsRead = false
    const c = readinessConnection(socket, sink, {
      wantRead: (on) => {
        wantsRead = on
        if (on && closeHeard) setImmediate(readAfterClose)
      },
      wantWrite: () => {},
      ref: (on) => setLoopRef(socket, on),
      forget: () => selected.close(),
    })
    const readAfterClose = (): void => {
      if (wantsRead) c.readable()
    }
    selected.select(FD_READ | FD_WRITE | FD_CLOSE, ({ events, errors }) => {
      // An abortive close (WSAECONNRESET, ...): the connection fails with it, paused or not.
      if (events & FD_CLOSE && errors[FD_CLOSE]) return c.failed(closeError(errors[FD_CLOSE]!))
      if (events & FD_CLOSE) closeHeard = true
      if (events & (FD_READ | FD_CLOSE)) c.readable()
      if (events & FD_WRITE) c.writable()
    })
    return c.io
  }
}

function listenerIo(listener: Socket): (sink: ListenerSink) => ListenerIo {
  return (sink) => {
    // FD_ACCEPT comes unasked, and again after each accept while connections remain queued.
    const accepts = readinessAccepts(listener, sink, () => {})
    const selected = new SelectedSocket(listener)
    selected.select(FD_ACCEPT | FD_CLOSE, ({ events }) => {
      if (events & FD_ACCEPT) accepts.acceptable()
    })
    return {
      ref: (on) => setLoopRef(listener, on),
      close: () => {
        selected.close()
        accepts.close()
        listener.close()
      },
      // The accepted socket inherited the listener's selection and event: it gets its own.
      connection: (socket) => connectionIo(socket, new SelectedSocket(socket)),
    }
  }
}

export function listenEventSelect(listener: Socket): Listener {
  return createListener(listener, 'event-select', listenerIo(listener))
}

/** A non-blocking connect() whose outcome is FD_CONNECT's, with a time-out (ETIMEDOUT) when `timeoutMs` is given. */
export async function connectEventSelect(
  port: number,
  host: string,
  family: 4 | 6,
  timeoutMs: number | undefined,
): Promise<Connection> {
  let selected: SelectedSocket | undefined
  const { socket, remote } = await connectSocket(
    family,
    timeoutMs,
    'connect',
    (s, done) => {
      selected = new SelectedSocket(s)
      selected.select(FD_CONNECT, ({ events, errors }) => {
        if (events & FD_CONNECT) done(errors[FD_CONNECT] ? wsaError(errors[FD_CONNECT], 'connect') : null)
      })
      s.connect(port, host)
    },
    () => selected?.close(),
  )
  return createConnection(socket, remote, 'event-select', connectionIo(socket, selected!))
}
