// The 'overlapped-event' driver: model 4 as Winsock servers use it. Every operation is WSARecv,
// WSASend, AcceptEx or ConnectEx with an Overlapped whose hEvent is the handle's event (one event
// per connection or listener, shared by its operations); the events are waited on with
// WSAWaitForMultipleEvents in groups of 63 (event-waits.ts), and a signalled event's completed
// operations are collected with WSAGetOverlappedResult(…, FALSE). An idle connection waits on a
// zero-byte WSARecv (overlapped-connection.ts).
import type { WsmError } from '../errors.js'
import {
  Overlapped,
  acceptEx,
  connectEx,
  getOverlappedResult,
  recvOverlapped,
  sendOverlapped,
} from '../overlapped.js'
import type { Socket } from '../socket.js'
import { WsaEvent } from '../wsa-event.js'
import { createConnection, type Connection, type ConnectionIo, type ConnectionSink } from './connection.js'
import { waitOn } from './event-waits.js'
import { createListener, type Listener, type ListenerIo, type ListenerSink } from './listener.js'
import { setLoopRef } from './loop-ref.js'
import { OverlappedConnection } from './overlapped-connection.js'
import { connectSocket } from './connect-socket.js'
import { postedAccepts } from './posted-accepts.js'

type Completed = (ov: Overlapped, error: WsmError | null) => void

/**
 * One handle's event: the operations posted with `track` signal it; when it is, it is reset and
 * each of them that has completed goes to `completed`, with WSAGetOverlappedResult's outcome.
 */
class HandleEvent {
  readonly event = new WsaEvent()
  readonly #handle: Socket
  readonly #posted = new Set<Overlapped>()
  readonly #stopWaiting: () => void
  #completed: Completed

  constructor(handle: Socket, completed: Completed) {
    this.#handle = handle
    this.#completed = completed
    this.#stopWaiting = waitOn(this.event, () => this.#signalled())
  }

  /** A new Overlapped that signals this event. */
  overlapped(): Overlapped {
    return new Overlapped({ event: this.event })
  }

  /** Posts an operation on `ov` with `post` (which throws as the call does) and waits for it. */
  track(ov: Overlapped, post: () => void): void {
    post()
    this.#posted.add(ov)
  }

  /** Where completions go from now on (a connection's, once it is made over this handle). */
  onCompleted(completed: Completed): void {
    this.#completed = completed
  }

  /** Stops waiting (before the handle is closed: its cancelled operations go unheard) and closes the event. */
  close(): void {
    this.#stopWaiting()
    this.#posted.clear()
    this.event.close()
  }

  #signalled(): void {
    this.event.reset() // before the results are read: a completion after this sets it again
    for (const ov of this.#posted) {
      if (ov.pending) continue
      this.#posted.delete(ov)
      getOverlappedResult(this.#handle, ov, false).then(
        () => this.#completed(ov, null),
        (err: WsmError) => this.#completed(ov, err),
      )
    }
  }
}

/** A connection's I/O on `events` (its handle's event): a zero-byte WSARecv while idle, one WSASend at a time. */
class EventConnection extends OverlappedConnection {
  readonly #events: HandleEvent

  constructor(socket: Socket, sink: ConnectionSink, events: HandleEvent) {
    super(socket, sink, events.overlapped())
    this.#events = events
    events.onCompleted((ov, error) => this.completed(ov, error))
  }

  protected overlapped(): Overlapped {
    return this.#events.overlapped()
  }

  protected postRecv(buffer: Uint8Array, ov: Overlapped): void {
    this.#events.track(ov, () => recvOverlapped(this.socket, buffer, ov))
  }

  protected postSend(buffers: Uint8Array | Uint8Array[], ov: Overlapped): void {
    this.#events.track(ov, () => sendOverlapped(this.socket, buffers, ov))
  }

  protected forget(): void {
    this.#events.close()
  }
}

function connectionIo(socket: Socket, events: HandleEvent): (sink: ConnectionSink) => ConnectionIo {
  return (sink) => new EventConnection(socket, sink, events)
}

function listenerIo(listener: Socket, backlog: number): (sink: ListenerSink) => ListenerIo {
  return (sink) => {
    const events = new HandleEvent(listener, (ov, error) => accepts.completed(ov, error))
    const accepts = postedAccepts(
      listener,
      backlog,
      sink,
      () => events.overlapped(),
      (socket, ov) => events.track(ov, () => acceptEx(listener, socket, ov)),
    )
    return {
      ref: (on) => setLoopRef(listener, on),
      close: () => {
        events.close()
        accepts.close()
        listener.close()
      },
      connection: (socket) => connectionIo(socket, new HandleEvent(socket, () => {})),
    }
  }
}

export function listenOverlappedEvent(listener: Socket, backlog: number): Listener {
  return createListener(listener, 'overlapped-event', listenerIo(listener, backlog))
}

/** ConnectEx with an event-Overlapped, with a time-out (ETIMEDOUT) when `timeoutMs` is given. */
export async function connectOverlappedEvent(
  port: number,
  host: string,
  family: 4 | 6,
  timeoutMs: number | undefined,
): Promise<Connection> {
  let events: HandleEvent | undefined
  const { socket, remote } = await connectSocket(
    family,
    timeoutMs,
    'ConnectEx',
    (s, done) => {
      events = new HandleEvent(s, (_ov, error) => done(error))
      const ov = events.overlapped()
      events.track(ov, () => connectEx(s, port, host, ov))
    },
    () => events?.close(),
  )
  return createConnection(socket, remote, 'overlapped-event', connectionIo(socket, events!))
}
