// The classic overlapped-I/O-with-events echo server (model 4). Each connection owns one event
// and one Overlapped for its current operation: a receive, then the send of what came, then the
// next receive. WSAWaitForMultipleEvents takes at most 64 events, so connections are served in
// groups, one wait loop per group; slot 0 of each group is a wake-up event that is set when the
// group's membership changes, so the wait is restarted with the new set (the classic trick).
import {
  Overlapped,
  Socket,
  WsaEvent,
  WsmError,
  acceptEx,
  getOverlappedResult,
  recvOverlapped,
  sendOverlapped,
  waitForMultipleEvents,
} from '@wsm/core-native'
import { echoServer, openListener, type EchoServer, type EchoServerOptions, type EchoStats } from './echo-server.js'
import { WaitGroups } from './wait-groups.js'

export interface OverlappedEventServerOptions extends EchoServerOptions {
  bufferSize?: number
}

interface Connection {
  socket: Socket
  name: string
  event: WsaEvent
  ov: Overlapped
  buffer: Buffer
  sending: boolean
}

export function startOverlappedEventServer(
  options: OverlappedEventServerOptions = {},
): EchoServer<EchoStats & { groups: number }> {
  const log = options.log ?? (() => {})
  const bufferSize = options.bufferSize ?? 16 * 1024
  const listener = openListener(options)
  const stats = { accepted: 0, closed: 0, bytesEchoed: 0, groups: 0 }
  let stopping = false

  log(`listening on ${listener.localAddress}:${listener.localPort} (overlapped I/O, event notification)`)

  function drop(conn: Connection, why: string): void {
    if (!groups.remove(conn)) return
    conn.socket.close()
    conn.event.close()
    stats.closed++
    log(`${conn.name} closed (${why})`)
  }

  // The connection's operation has completed: the next one is the send of what came, or the
  // receive after a send.
  async function serve(conn: Connection): Promise<void> {
    conn.event.reset()
    let bytes: number
    try {
      ;({ bytes } = await getOverlappedResult(conn.socket, conn.ov, false))
    } catch (err) {
      return drop(conn, err instanceof WsmError ? err.code : String(err))
    }
    try {
      if (conn.sending) {
        conn.sending = false
        recvOverlapped(conn.socket, conn.buffer, conn.ov)
      } else if (bytes === 0) {
        drop(conn, 'peer closed')
      } else {
        conn.sending = true
        stats.bytesEchoed += bytes
        sendOverlapped(conn.socket, conn.buffer.subarray(0, bytes), conn.ov)
      }
    } catch (err) {
      drop(conn, err instanceof WsmError ? err.code : String(err))
    }
  }

  const groups = new WaitGroups<Connection>(serve)

  function adopt(socket: Socket): void {
    const conn: Connection = {
      socket,
      name: `${socket.remoteAddress}:${socket.remotePort}`,
      event: new WsaEvent(),
      ov: undefined as unknown as Overlapped,
      buffer: Buffer.allocUnsafe(bufferSize),
      sending: false,
    }
    conn.ov = new Overlapped({ event: conn.event })
    const group = groups.add(conn)
    stats.groups = groups.peak
    stats.accepted++
    log(`accepted ${conn.name} (group ${group + 1})`)
    try {
      recvOverlapped(socket, conn.buffer, conn.ov)
    } catch (err) {
      drop(conn, err instanceof WsmError ? err.code : String(err)) // reset already: fails at the call
    }
  }

  async function acceptLoop(): Promise<void> {
    const event = new WsaEvent()
    const ov = new Overlapped({ event })
    try {
      while (!stopping) {
        const socket = Socket.tcp()
        acceptEx(listener, socket, ov)
        await waitForMultipleEvents([event])
        event.reset()
        try {
          await getOverlappedResult(listener, ov, false)
        } catch {
          socket.close() // the listener closed under the accept, or the connection failed
          continue
        }
        adopt(socket)
      }
    } finally {
      event.close()
    }
  }

  const done = acceptLoop().then(() => groups.stop())
  return echoServer(listener, stats, done, () => {
    stopping = true
    listener.close()
    for (const conn of groups.members()) drop(conn, 'server closing')
  }, log)
}
