// The classic overlapped-I/O-with-events echo server (model 4). Each connection owns one event
// and one Overlapped for its current operation: a receive, then the send of what came, then the
// next receive. WSAWaitForMultipleEvents takes at most 64 events, so connections are served in
// groups, one wait loop per group; slot 0 of each group is a wake-up event that is set when the
// group's membership changes, so the wait is restarted with the new set (the classic trick).
import {
  Overlapped,
  Socket,
  WSA_MAXIMUM_WAIT_EVENTS,
  WSA_WAIT_EVENT_0,
  WsaEvent,
  WsmError,
  acceptEx,
  getOverlappedResult,
  recvOverlapped,
  sendOverlapped,
  waitForMultipleEvents,
} from '@wsm/core-native'
import type { EchoServer, EchoServerOptions, EchoStats } from './echo-server.js'

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

interface Group {
  wake: WsaEvent
  members: Connection[]
  done: Promise<void>
}

const PER_GROUP = WSA_MAXIMUM_WAIT_EVENTS - 1 // slot 0 is the group's wake-up event

export function startOverlappedEventServer(
  options: OverlappedEventServerOptions = {},
): EchoServer<EchoStats & { groups: number }> {
  const log = options.log ?? (() => {})
  const bufferSize = options.bufferSize ?? 16 * 1024
  const listener = Socket.tcp()
  listener.bind(options.port ?? 0, options.host ?? '127.0.0.1')
  listener.listen(options.backlog)
  const groups: Group[] = []
  const stats = { accepted: 0, closed: 0, bytesEchoed: 0, groups: 0 }
  let stopping = false

  log(`listening on ${listener.localAddress}:${listener.localPort} (overlapped I/O, event notification)`)

  function drop(group: Group, conn: Connection, why: string): void {
    const i = group.members.indexOf(conn)
    if (i < 0) return
    group.members.splice(i, 1)
    conn.socket.close()
    conn.event.close()
    stats.closed++
    log(`${conn.name} closed (${why})`)
  }

  async function serveGroup(group: Group): Promise<void> {
    while (!stopping && group.members.length > 0) {
      const events = [group.wake, ...group.members.map((c) => c.event)]
      let index: number
      try {
        index = (await waitForMultipleEvents(events)) - WSA_WAIT_EVENT_0
      } catch (err) {
        if (stopping) break // close() closed the events under the wait
        throw err
      }
      if (index === 0) {
        group.wake.reset() // membership changed: wait again on the new set
        continue
      }
      const conn = group.members[index - 1]!
      conn.event.reset()
      let bytes: number
      try {
        ;({ bytes } = await getOverlappedResult(conn.socket, conn.ov, false))
      } catch (err) {
        drop(group, conn, err instanceof WsmError ? err.code : String(err))
        continue
      }
      try {
        if (conn.sending) {
          conn.sending = false
          recvOverlapped(conn.socket, conn.buffer, conn.ov)
        } else if (bytes === 0) {
          drop(group, conn, 'peer closed')
        } else {
          conn.sending = true
          stats.bytesEchoed += bytes
          sendOverlapped(conn.socket, conn.buffer.subarray(0, bytes), conn.ov)
        }
      } catch (err) {
        drop(group, conn, err instanceof WsmError ? err.code : String(err))
      }
    }
    groups.splice(groups.indexOf(group), 1)
  }

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
    let group = groups.find((g) => g.members.length < PER_GROUP)
    if (group) {
      group.members.push(conn)
      group.wake.set()
    } else {
      group = { wake: new WsaEvent(), members: [conn], done: Promise.resolve() }
      groups.push(group)
      stats.groups = Math.max(stats.groups, groups.length)
      group.done = serveGroup(group)
    }
    stats.accepted++
    log(`accepted ${conn.name} (group ${groups.indexOf(group) + 1})`)
    recvOverlapped(socket, conn.buffer, conn.ov)
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

  const done = acceptLoop().then(() => Promise.all(groups.map((g) => g.done)).then(() => {}))
  return {
    port: listener.localPort,
    stats,
    done,
    async close() {
      if (!stopping) {
        stopping = true
        listener.close()
        for (const group of [...groups]) {
          for (const conn of [...group.members]) drop(group, conn, 'server closing')
          group.wake.set()
        }
        log('server closed')
      }
      await done
      for (const group of groups) group.wake.close()
    },
  }
}
