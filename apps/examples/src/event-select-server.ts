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
  WsaEvent,
  WsmError,
  enumNetworkEvents,
  eventSelect,
  waitForMultipleEvents,
} from '@wsm/core-native'
import { echoServer, openListener, type EchoServer, type EchoServerOptions, type EchoStats } from './echo-server.js'
import { Outbox, receive } from './outbox.js'
import { WaitGroups } from './wait-groups.js'

interface Member {
  socket: Socket
  event: WsaEvent
  name: string
  outbox: Outbox
  peerClosed: boolean
}

export function startEventSelectServer(options: EchoServerOptions = {}): EchoServer<EchoStats & { groups: number }> {
  const log = options.log ?? (() => {})
  const listener = openListener(options)
  const listenEvent = new WsaEvent()
  eventSelect(listener, listenEvent, FD_ACCEPT | FD_CLOSE)
  const stats = { accepted: 0, closed: 0, bytesEchoed: 0, groups: 0 }
  const recvBuffer = Buffer.allocUnsafe(16 * 1024)
  let stopping = false

  log(`listening on ${listener.localAddress}:${listener.localPort} (WSAEventSelect)`)

  function drop(m: Member, why: string): void {
    if (!groups.remove(m)) return
    m.socket.close()
    m.event.close()
    stats.closed++
    log(`${m.name} closed (${why})`)
  }

  function flush(m: Member): void {
    stats.bytesEchoed += m.outbox.flush(m.socket) // what does not fit waits for FD_WRITE
  }

  // Reads what is there now (each recv re-enables FD_READ), queueing it for echo.
  function drain(m: Member): void {
    for (;;) {
      const data = receive(m.socket, recvBuffer)
      if (data === undefined) return
      if (data === null) {
        m.peerClosed = true
        return
      }
      m.outbox.push(data)
      if (m.outbox.bytes >= 256 * 1024) return // the rest waits for FD_WRITE: bounded memory
    }
  }

  function serve(m: Member): void {
    try {
      handle(m)
    } catch (err) {
      drop(m, err instanceof WsmError ? err.code : String(err))
    }
  }

  function handle(m: Member): void {
    const { events, errors } = enumNetworkEvents(m.socket, m.event)
    if (events & FD_CLOSE && errors[FD_CLOSE]) return drop(m, `reset (${errors[FD_CLOSE]})`)
    if (events & (FD_READ | FD_CLOSE)) drain(m)
    if (events & (FD_READ | FD_WRITE | FD_CLOSE)) flush(m)
    if (events & FD_WRITE && m.outbox.bytes === 0 && !m.peerClosed) {
      drain(m) // reading stopped at the high-water mark: resume
      flush(m)
    }
    if (events & FD_CLOSE) m.peerClosed = true
    if (m.peerClosed && m.outbox.bytes === 0) drop(m, 'peer closed, echoes delivered')
  }

  const groups = new WaitGroups<Member>(serve)

  function adopt(socket: Socket): void {
    const m: Member = { socket, event: new WsaEvent(), name: `${socket.remoteAddress}:${socket.remotePort}`, outbox: new Outbox(), peerClosed: false }
    // The accepted socket inherited the listener's selection; give it its own event and events.
    eventSelect(socket, m.event, FD_READ | FD_WRITE | FD_CLOSE)
    groups.add(m)
    stats.groups = groups.peak
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

  const done = acceptLoop().then(() => groups.stop())
  return echoServer(listener, stats, done, () => {
    stopping = true
    listener.close()
    listenEvent.close() // releases the accept loop's wait
    for (const m of groups.members()) drop(m, 'server closing')
  }, log)
}
