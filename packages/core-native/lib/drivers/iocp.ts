// The 'iocp' driver: model 6 as IOCP servers use it. One completion port per thread serves every
// connection and listener of the driver (CreateIoCompletionPort), one GetQueuedCompletionStatusEx
// loop dispatches its packets by key; listeners keep AcceptEx calls posted, connect() is ConnectEx,
// and an idle connection waits on a zero-byte WSARecv (overlapped-connection.ts).
import { CompletionPort, type CompletionPacket } from '../completion-port.js'
import type { WsmError } from '../errors.js'
import { Overlapped, acceptEx, connectEx, recvOverlapped, sendOverlapped } from '../overlapped.js'
import type { Socket } from '../socket.js'
import { createConnection, type Connection, type ConnectionIo, type ConnectionSink } from './connection.js'
import { createListener, type Listener, type ListenerIo, type ListenerSink } from './listener.js'
import { setLoopRef } from './loop-ref.js'
import { OverlappedConnection } from './overlapped-connection.js'
import { connectSocket } from './connect-socket.js'
import { postedAccepts } from './posted-accepts.js'

// Packets taken per GetQueuedCompletionStatusEx.
const BATCH = 256

/** Where a key's packets go: a connection, a listener's accepts, a connect in progress. */
interface Route {
  completed(ov: Overlapped, error: WsmError | null): void
}
// An accepted socket's key until its connection exists.
const NOWHERE: Route = { completed: () => {} }

// The thread's completion port, made on first use, and where each key's packets go.
let port: CompletionPort | undefined
const routes = new Map<number, Route>()
let nextKey = 1

/** Associates `socket` with the port under a new key whose packets go to `route`. */
function associate(socket: Socket, route: Route): number {
  if (port === undefined) {
    port = new CompletionPort()
    void serve(port)
  }
  const key = nextKey++
  port.associate(socket, key)
  routes.set(key, route)
  return key
}

// The one GetQueuedCompletionStatusEx loop. A pending wait keeps nothing alive: the operations in
// flight do (or not, after unref()).
async function serve(p: CompletionPort): Promise<void> {
  for (;;) {
    const packets = await p.getQueuedCompletionStatusEx(BATCH)
    for (const packet of packets) {
      // Packets of a key already forgotten are those of a closed socket's cancelled operations.
      const route = routes.get(packet.key)
      if (route === undefined) continue
      try {
        route.completed(packet.overlapped!, packetError(packet))
      } catch (err) {
        // An exception of an event listener: uncaught, as from a net.Socket's, and the loop goes on.
        process.nextTick(() => {
          throw err
        })
      }
    }
  }
}

function packetError(packet: CompletionPacket): WsmError | null {
  return packet.error === 0 ? null : packet.cause!
}

/** One connection's I/O: WSARecv and WSASend on the port; its key's packets come to it. */
class IocpConnection extends OverlappedConnection {
  readonly #key: number

  constructor(socket: Socket, sink: ConnectionSink, key: number) {
    super(socket, sink, new Overlapped())
    this.#key = key
    routes.set(key, this)
  }

  protected overlapped(): Overlapped {
    return new Overlapped()
  }

  protected postRecv(buffer: Uint8Array, ov: Overlapped): void {
    recvOverlapped(this.socket, buffer, ov)
  }

  protected postSend(buffers: Uint8Array | Uint8Array[], ov: Overlapped): void {
    sendOverlapped(this.socket, buffers, ov)
  }

  protected forget(): void {
    routes.delete(this.#key)
  }
}

function connectionIo(socket: Socket, key: number): (sink: ConnectionSink) => ConnectionIo {
  return (sink) => new IocpConnection(socket, sink, key)
}

/** A listener's I/O: AcceptEx calls kept posted, their packets routed by the listener's key. */
function listenerIo(listener: Socket, backlog: number): (sink: ListenerSink) => ListenerIo {
  return (sink) => {
    const key = associate(listener, { completed: (ov, error) => accepts.completed(ov, error) })
    const accepts = postedAccepts(listener, backlog, sink, () => new Overlapped(), (socket, ov) => acceptEx(listener, socket, ov))
    return {
      ref: (on) => setLoopRef(listener, on),
      close: () => {
        routes.delete(key)
        accepts.close()
        listener.close() // the AcceptEx calls in flight complete with ECANCELED, unheard
      },
      connection: (socket) => connectionIo(socket, associate(socket, NOWHERE)),
    }
  }
}

export function listenIocp(listener: Socket, backlog: number): Listener {
  return createListener(listener, 'iocp', listenerIo(listener, backlog))
}

/** ConnectEx on a socket associated with the port, with a time-out (ETIMEDOUT) when `timeoutMs` is given. */
export async function connectIocp(port: number, host: string, family: 4 | 6, timeoutMs: number | undefined): Promise<Connection> {
  let key = 0
  const { socket, remote } = await connectSocket(
    family,
    timeoutMs,
    'ConnectEx',
    (s, done) => {
      key = associate(s, { completed: (_ov, error) => done(error) })
      connectEx(s, port, host, new Overlapped())
    },
    () => routes.delete(key),
  )
  return createConnection(socket, remote, 'iocp', connectionIo(socket, key))
}
