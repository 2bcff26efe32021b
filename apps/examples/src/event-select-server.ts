// The classic WSAEventSelect echo server (model 3): every socket has an event object, and
// WSAWaitForMultipleEvents waits on them; WSAEnumNetworkEvents says what happened. A wait takes at
// most 64 events (WSA_MAXIMUM_WAIT_EVENTS), so sockets are served in groups with one wait loop
// each, as the classic does with several threads; slot 0 of each group is a wake-up event set when
// the group's membership changes, so its wait restarts on the new set.
import {
  FD_ACCEPT,
  FD_CLOSE,
  FD_READ,
  FD_WRITE,
  Socket,
  WSA_MAXIMUM_WAIT_EVENTS,
  WSA_WAIT_EVENT_0,
  WsaEvent,
  WsmError,
  enumNetworkEvents,
  eventSelect,
  waitForMultipleEvents,
} from '@wsm/core-native'
import type { EchoServer, EchoServerOptions, EchoStats } from './echo-server.js'

interface Member {
  socket: Socket
  event: WsaEvent
  name: string
  outbox: Buffer[]
  outboxBytes: number
  peerClosed: boolean
}

interface Group {
  wake: WsaEvent
  members: Member[]
  done: Promise<void>
}

const PER_GROUP = WSA_MAXIMUM_WAIT_EVENTS - 1

export function startEventSelectServer(options: EchoServerOptions = {}): EchoServer<EchoStats & { groups: number }> {
  const log = options.log ?? (() => {})
  const listener = Socket.tcp()
  listener.bind(options.port ?? 0, options.host ?? '127.0.0.1')
  listener.listen(options.backlog)
  const listenEvent = new WsaEvent()
  eventSelect(listener, listenEvent, FD_ACCEPT | FD_CLOSE)
  const groups: Group[] = []
  const stats = { accepted: 0, closed: 0, bytesEchoed: 0, groups: 0 }
  const recvBuffer = Buffer.allocUnsafe(16 * 1024)
  let stopping = false

  log(`listening on ${listener.localAddress}:${listener.localPort} (WSAEventSelect)`)

  function drop(group: Group, m: Member, why: string): void {
    const i = group.members.indexOf(m)
    if (i < 0) return
    group.members.splice(i, 1)
    m.socket.close()
    m.event.close()
    stats.closed++
    log(`${m.name} closed (${why})`)
  }

  function flush(m: Member): void {
    while (m.outbox.length > 0) {
      const head = m.outbox[0]!
      let sent: number
      try {
        sent = m.socket.send(head)
      } catch (err) {
        if (err instanceof WsmError && err.code === 'EWOULDBLOCK') return // FD_WRITE will come
        throw err
      }
      stats.bytesEchoed += sent
      m.outboxBytes -= sent
      if (sent === head.length) m.outbox.shift()
      else m.outbox[0] = head.subarray(sent)
    }
  }

  // Reads what is there now (each recv re-enables FD_READ), queueing it for echo.
  function drain(m: Member): void {
    for (;;) {
      let n: number
      try {
        n = m.socket.recv(recvBuffer)
      } catch (err) {
        if (err instanceof WsmError && err.code === 'EWOULDBLOCK') return
        throw err
      }
      if (n === 0) {
        m.peerClosed = true
        return
      }
      m.outbox.push(Buffer.from(recvBuffer.subarray(0, n)))
      m.outboxBytes += n
      if (m.outboxBytes >= 256 * 1024) return // the rest waits for FD_WRITE: bounded memory
    }
  }

  function serve(group: Group, m: Member): void {
    const { events, errors } = enumNetworkEvents(m.socket, m.event)
    if (events & FD_CLOSE && errors[FD_CLOSE]) return drop(group, m, `reset (${errors[FD_CLOSE]})`)
    if (events & (FD_READ | FD_CLOSE)) drain(m)
    if (events & (FD_READ | FD_WRITE | FD_CLOSE)) flush(m)
    if (events & FD_WRITE && m.outboxBytes === 0 && !m.peerClosed) drain(m), flush(m)
    if (events & FD_CLOSE) m.peerClosed = true
    if (m.peerClosed && m.outboxBytes === 0) drop(group, m, 'peer closed, echoes delivered')
  }

  async function serveGroup(group: Group): Promise<void> {
    while (!stopping && group.members.length > 0) {
      let index: number
      try {
        index = (await waitForMultipleEvents([group.wake, ...group.members.map((m) => m.event)])) - WSA_WAIT_EVENT_0
      } catch (err) {
        if (stopping) break
        throw err
      }
      if (index === 0) {
        group.wake.reset()
        continue
      }
      const m = group.members[index - 1]!
      try {
        serve(group, m)
      } catch (err) {
        drop(group, m, err instanceof WsmError ? err.code : String(err))
      }
    }
    groups.splice(groups.indexOf(group), 1)
  }

  function adopt(socket: Socket): void {
    const m: Member = { socket, event: new WsaEvent(), name: `${socket.remoteAddress}:${socket.remotePort}`, outbox: [], outboxBytes: 0, peerClosed: false }
    // The accepted socket inherited the listener's selection; give it its own event and events.
    eventSelect(socket, m.event, FD_READ | FD_WRITE | FD_CLOSE)
    let group = groups.find((g) => g.members.length < PER_GROUP)
    if (group) {
      group.members.push(m)
      group.wake.set()
    } else {
      group = { wake: new WsaEvent(), members: [m], done: Promise.resolve() }
      groups.push(group)
      stats.groups = Math.max(stats.groups, groups.length)
      group.done = serveGroup(group)
    }
    stats.accepted++
    log(`accepted ${m.name}`)
  }

  async function acceptLoop(): Promise<void> {
    while (!stopping) {
      try {
        await waitForMultipleEvents([listenEvent])
      } catch (err) {
        if (stopping) break
        throw err
      }
      const { events } = enumNetworkEvents(listener, listenEvent)
      if (events & FD_ACCEPT) {
        // One accept per FD_ACCEPT: it is recorded again while connections remain queued.
        const socket = listener.accept()
        if (socket) adopt(socket)
      }
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
        listenEvent.close() // releases the accept loop's wait
        for (const group of [...groups]) {
          for (const m of [...group.members]) drop(group, m, 'server closing')
          group.wake.set()
        }
        log('server closed')
      }
      await done
      for (const group of groups) group.wake.close()
    },
  }
}
