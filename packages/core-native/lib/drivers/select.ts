// The 'select' driver: model 1 as Winsock servers use it. Every socket is non-blocking; the
// driver's select loops (select-groups.ts, one per FD_SETSIZE sockets) find which are readable,
// writable or acceptable, and a connection then does one recv, or sends what is left of its
// current send (readiness-connection.ts); a listener accepts what is queued
// (readiness-accepts.ts). connect() is a non-blocking connect() whose outcome shows in the write set
// (connected) or the except set (failed: getError() tells why).
import type { Socket } from '../socket.js'
import { connectSocket } from './connect-socket.js'
import { createConnection, type Connection, type ConnectionIo, type ConnectionSink } from './connection.js'
import { createListener, type Listener, type ListenerIo, type ListenerSink } from './listener.js'
import { readinessAccepts } from './readiness-accepts.js'
import { readinessConnection } from './readiness-connection.js'
import { join, type SelectMember } from './select-groups.js'

/** A connection's I/O over its group membership: writable before readable, as a select server serves them. */
function connectionIo(socket: Socket, member: SelectMember): (sink: ConnectionSink) => ConnectionIo {
  return (sink) => {
    const c = readinessConnection(socket, sink, member)
    member.onReady((readable, writable) => {
      if (writable) c.writable()
      if (readable) c.readable()
    })
    return c.io
  }
}

function listenerIo(listener: Socket): (sink: ListenerSink) => ListenerIo {
  return (sink) => {
    const member = join(listener, () => accepts.acceptable())
    const accepts = readinessAccepts(listener, sink, (on) => member.wantRead(on))
    return {
      ref: (on) => member.ref(on),
      close: () => {
        accepts.close()
        member.forget()
        listener.close()
      },
      connection: (socket) => connectionIo(socket, join(socket, () => {})),
    }
  }
}

export function listenSelect(listener: Socket): Listener {
  return createListener(listener, 'select', listenerIo(listener))
}

/** A non-blocking connect() waited on in the write and except sets, with a time-out (ETIMEDOUT) when `timeoutMs` is given. */
export async function connectSelect(port: number, host: string, family: 4 | 6, timeoutMs: number | undefined): Promise<Connection> {
  let member: SelectMember | undefined
  const { socket, remote } = await connectSocket(
    family,
    timeoutMs,
    'connect',
    (s, done) => {
      s.connect(port, host)
      member = join(s, () => {
        member!.wantConnect(false)
        done(s.getError())
      })
      member.wantConnect(true)
    },
    () => member?.forget(),
  )
  return createConnection(socket, remote, 'select', connectionIo(socket, member!))
}
