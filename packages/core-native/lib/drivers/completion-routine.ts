// The 'completion-routine' driver: model 5 as Winsock servers use it. Every operation is WSARecv,
// WSASend, AcceptEx or ConnectEx with a completion routine, and the routines run in the driver's
// alertable SleepEx loop (alertable-wait.ts), kept going while operations are in flight. An idle
// connection waits on a zero-byte WSARecv (overlapped-connection.ts).
import type { WsmError } from '../errors.js'
import { Overlapped, acceptEx, connectEx, recvOverlapped, sendOverlapped, type CompletionRoutine } from '../overlapped.js'
import type { Socket } from '../socket.js'
import { countedRoutine, postAlertable } from './alertable-wait.js'
import { createConnection, type Connection, type ConnectionIo, type ConnectionSink } from './connection.js'
import { createListener, type Listener, type ListenerIo, type ListenerSink } from './listener.js'
import { setLoopRef } from './loop-ref.js'
import { OverlappedConnection } from './overlapped-connection.js'
import { connectSocket } from './connect-socket.js'
import { postedAccepts } from './posted-accepts.js'

/** A routine that hands the operation's outcome (the Overlapped's error, a WsmError) to `completed`. */
function routineFor(completed: (ov: Overlapped, error: WsmError | null) => void): CompletionRoutine {
  return countedRoutine((error, _bytes, ov) => completed(ov, error === 0 ? null : ov.error))
}

/** One connection's I/O: WSARecv and WSASend with its completion routine, run by the alertable wait. */
class RoutineConnection extends OverlappedConnection {
  readonly #routine: CompletionRoutine = routineFor((ov, error) => this.completed(ov, error))

  protected overlapped(): Overlapped {
    return new Overlapped()
  }

  protected postRecv(buffer: Uint8Array, ov: Overlapped): void {
    postAlertable(() => recvOverlapped(this.socket, buffer, ov, this.#routine))
  }

  protected postSend(buffers: Uint8Array | Uint8Array[], ov: Overlapped): void {
    postAlertable(() => sendOverlapped(this.socket, buffers, ov, this.#routine))
  }

  protected forget(): void {}
}

function connectionIo(socket: Socket): (sink: ConnectionSink) => ConnectionIo {
  return (sink) => new RoutineConnection(socket, sink, new Overlapped())
}

function listenerIo(listener: Socket, backlog: number): (sink: ListenerSink) => ListenerIo {
  return (sink) => {
    const routine = routineFor((ov, error) => accepts.completed(ov, error))
    const accepts = postedAccepts(
      listener,
      backlog,
      sink,
      () => new Overlapped(),
      (socket, ov) => postAlertable(() => acceptEx(listener, socket, ov, routine)),
    )
    return {
      ref: (on) => setLoopRef(listener, on),
      close: () => {
        accepts.close()
        listener.close() // the AcceptEx calls in flight complete with ECANCELED, unheard
      },
      connection: (socket) => connectionIo(socket),
    }
  }
}

export function listenCompletionRoutine(listener: Socket, backlog: number): Listener {
  return createListener(listener, 'completion-routine', listenerIo(listener, backlog))
}

/** ConnectEx with a completion routine, with a time-out (ETIMEDOUT) when `timeoutMs` is given. */
export async function connectCompletionRoutine(
  port: number,
  host: string,
  family: 4 | 6,
  timeoutMs: number | undefined,
): Promise<Connection> {
  const { socket, remote } = await connectSocket(
    family,
    timeoutMs,
    'ConnectEx',
    (s, done) => {
      const routine = routineFor((_ov, error) => done(error))
      postAlertable(() => connectEx(s, port, host, new Overlapped(), routine))
    },
    () => {},
  )
  return createConnection(socket, remote, 'completion-routine', connectionIo(socket))
}
