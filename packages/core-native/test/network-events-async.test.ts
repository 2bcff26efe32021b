// WSAAsyncSelect: network events as messages to a MessageWindow's procedure, on the JavaScript
// thread, in order, one per event; asyncSelect(s, w, msg, 0) and w.close() stop them; nothing is
// delivered for a closed socket; one window serves many sockets. Real loopback sockets.
import v8 from 'node:v8'
import vm from 'node:vm'
import { afterEach, describe, expect, it } from 'vitest'
import {
  FD_ACCEPT,
  FD_CLOSE,
  FD_CONNECT,
  FD_READ,
  FD_WRITE,
  MessageWindow,
  Socket,
  asyncSelect,
} from '../lib/index.js'
import { expectWsmError } from './helpers/errors.js'
import { closeCollectors, label, type NetEvent } from './helpers/network-events.js'
import { expectNoFdLeaks } from './helpers/fds.js'
import { LOOPBACK, bytes, closeAll, eventually, listener, pair, tcp, track, useSocketCleanup } from './helpers/sockets.js'
import { WAIT_MS, delay } from './helpers/time.js'

expectNoFdLeaks(() => {
  closeCollectors()
  closeAll()
})
useSocketCleanup()
afterEach(closeCollectors)

const WM_SOCKET = 0x400 + 1 // WM_USER + 1

/** A window whose procedure records every call, and may act on it (`onMessage`). */
function recordingWindow(onMessage?: (m: NetEvent) => void) {
  const calls: NetEvent[] = []
  const window = new MessageWindow((msg, socket, event, error) => {
    const m = { msg, socket, event, error }
    calls.push(m)
    onMessage?.(m)
  })
  windows.add(window)
  return { window, calls }
}
const windows = new Set<MessageWindow>()
afterEach(() => {
  for (const w of windows) w.close()
  windows.clear()
})

async function until(predicate: () => boolean, what: string): Promise<void> {
  await eventually(() => predicate(), what)
}

describe('WSAAsyncSelect messages', () => {
  it('carry (msg, the very socket object, event, error), and come after asyncSelect has returned', async () => {
    const { client, peer } = await pair(4)
    const { window, calls } = recordingWindow()
    asyncSelect(peer, window, WM_SOCKET, FD_WRITE | FD_READ)
    // FD_WRITE is due at once, but it is posted, not called from inside asyncSelect.
    expect(calls).toEqual([])
    await until(() => calls.length === 1, 'FD_WRITE')
    expect(calls[0]!.socket).toBe(peer)
    expect(calls[0]).toMatchObject({ msg: WM_SOCKET, event: FD_WRITE, error: 0 })
    client.send(bytes('x'))
    await until(() => calls.length === 2, 'FD_READ')
    expect(calls[1]!.socket).toBe(peer)
    expect(calls[1]).toMatchObject({ msg: WM_SOCKET, event: FD_READ, error: 0 })
  })

  it('a whole connection, one message per event in order: CONNECT, WRITE, READ, CLOSE', async () => {
    const server = listener(4)
    const c = tcp(4)
    const { window, calls } = recordingWindow((m) => {
      // A window procedure in Winsock's style: recv on FD_READ.
      if (m.event === FD_READ) m.socket.recv(new Uint8Array(64))
    })
    asyncSelect(c, window, WM_SOCKET, FD_CONNECT | FD_WRITE | FD_READ | FD_CLOSE)
    c.connect(server.localPort, LOOPBACK[4])
    await until(() => calls.length >= 2, 'CONNECT and WRITE')
    const p = track(await eventually(() => server.accept(), 'accept'))
    p.send(bytes('hello'))
    await until(() => calls.length >= 3, 'READ')
    p.close()
    await until(() => calls.length >= 4, 'CLOSE')
    await delay(80) // a quiet period: nothing more comes
    expect(calls.map(label)).toEqual(['CONNECT', 'WRITE', 'READ', 'CLOSE'])
    expect(calls.every((m) => m.socket === c && m.msg === WM_SOCKET)).toBe(true)
  })

  it('the procedure runs each message to its end before the next (no re-entrance), in order', async () => {
    const { client, peer } = await pair(4)
    client.send(bytes('data'))
    client.close()
    await delay(50) // margin: data and FIN are in, so READ, WRITE come in one batch
    let depth = 0
    let maxDepth = 0
    const seen: string[] = []
    const { window } = recordingWindow((m) => {
      depth++
      maxDepth = Math.max(maxDepth, depth)
      seen.push(label(m))
      if (m.event === FD_READ) {
        // The recv re-enables FD_READ and makes FD_CLOSE due: still posted, never nested.
        expect(peer.recv(new Uint8Array(64))).toBe(4)
      }
      depth--
    })
    asyncSelect(peer, window, WM_SOCKET, FD_READ | FD_WRITE | FD_CLOSE)
    await until(() => seen.length >= 3, 'READ, WRITE, CLOSE')
    await delay(80)
    expect(seen).toEqual(['READ', 'WRITE', 'CLOSE'])
    expect(maxDepth).toBe(1)
  })
})

describe('stopping messages', () => {
  it('asyncSelect(s, w, msg, 0) stops them, also the ones already due', async () => {
    const { client, peer } = await pair(4)
    const { window, calls } = recordingWindow()
    asyncSelect(peer, window, WM_SOCKET, FD_READ | FD_WRITE | FD_CLOSE)
    asyncSelect(peer, window, WM_SOCKET, 0) // FD_WRITE was due: never delivered
    client.send(bytes('x'))
    client.close()
    await delay(80)
    expect(calls.map(label)).toEqual([])
    // It can be selected again: what is true now is reported.
    asyncSelect(peer, window, WM_SOCKET, FD_READ)
    await until(() => calls.length === 1, 'FD_READ after re-selecting')
    expect(calls.map(label)).toEqual(['READ'])
  })

  it('cancelling from inside the procedure drops the messages of the same batch not yet delivered', async () => {
    const { client, peer } = await pair(4)
    client.send(bytes('x'))
    await delay(50) // margin: READ and WRITE are due together
    const { window, calls } = recordingWindow((m) => {
      if (m.event === FD_READ) asyncSelect(peer, window, WM_SOCKET, 0)
    })
    asyncSelect(peer, window, WM_SOCKET, FD_READ | FD_WRITE)
    await until(() => calls.length >= 1, 'FD_READ')
    await delay(80)
    expect(calls.map(label)).toEqual(['READ'])
  })

  it('a new asyncSelect replaces the old: its msg and its events only', async () => {
    const { client, peer } = await pair(4)
    const { window, calls } = recordingWindow()
    asyncSelect(peer, window, 1, FD_WRITE)
    asyncSelect(peer, window, 2, FD_READ)
    client.send(bytes('x'))
    await until(() => calls.length >= 1, 'FD_READ')
    await delay(80)
    expect(calls.map((m) => [m.msg, label(m)])).toEqual([[2, 'READ']])
  })

  it('moving a socket to another window: the first hears nothing more', async () => {
    const { client, peer } = await pair(4)
    const a = recordingWindow()
    const b = recordingWindow()
    asyncSelect(peer, a.window, WM_SOCKET, FD_READ)
    asyncSelect(peer, b.window, WM_SOCKET, FD_READ)
    client.send(bytes('x'))
    await until(() => b.calls.length === 1, 'FD_READ at the second window')
    await delay(80)
    expect(a.calls).toEqual([])
    // Closing the first window does not touch the socket's selection with the second.
    a.window.close()
    peer.recv(new Uint8Array(8))
    client.send(bytes('y'))
    await until(() => b.calls.length === 2, 'FD_READ at the second window again')
  })

  it("closing the window stops all its sockets' messages; other windows go on", async () => {
    const p1 = await pair(4)
    const p2 = await pair(4)
    const p3 = await pair(4)
    const w = recordingWindow()
    const other = recordingWindow()
    asyncSelect(p1.peer, w.window, WM_SOCKET, FD_READ | FD_CLOSE)
    asyncSelect(p2.peer, w.window, WM_SOCKET, FD_READ | FD_CLOSE)
    asyncSelect(p3.peer, other.window, WM_SOCKET, FD_READ | FD_CLOSE)
    w.window.close()
    expect(w.window.closed).toBe(true)
    for (const p of [p1, p2, p3]) {
      p.client.send(bytes('x'))
      p.client.close()
    }
    await until(() => other.calls.length >= 2, 'FD_READ and FD_CLOSE at the other window')
    await delay(80)
    expect(w.calls).toEqual([])
    expect(other.calls.map(label)).toEqual(['READ', 'CLOSE']) // FD_CLOSE at once, the data unread (Windows)
    // A closed window takes no new selection; close() is idempotent.
    expectWsmError(() => asyncSelect(p1.peer, w.window, WM_SOCKET, FD_READ), 'EBADF')
    w.window.close()
  })

  it('closing the window inside its procedure drops the rest of the batch', async () => {
    const { client, peer } = await pair(4)
    client.send(bytes('x'))
    await delay(50) // margin: READ and WRITE due together
    const { window, calls } = recordingWindow(() => window.close())
    asyncSelect(peer, window, WM_SOCKET, FD_READ | FD_WRITE)
    await until(() => calls.length >= 1, 'the first message')
    await delay(80)
    expect(calls.map(label)).toEqual(['READ'])
  })

  it('closing a socket: nothing is delivered for it afterwards, not even messages already due', async () => {
    const p1 = await pair(4)
    const p2 = await pair(4)
    const { window, calls } = recordingWindow()
    asyncSelect(p1.peer, window, WM_SOCKET, FD_READ | FD_WRITE | FD_CLOSE)
    asyncSelect(p2.peer, window, WM_SOCKET, FD_READ | FD_WRITE | FD_CLOSE)
    p1.peer.close() // its FD_WRITE was due
    p1.client.close()
    p2.client.send(bytes('x'))
    await until(() => calls.filter((m) => m.socket === p2.peer).length >= 2, 'WRITE and READ of the other socket')
    await delay(80)
    expect(calls.filter((m) => m.socket === p1.peer)).toEqual([])
  })

  it('closing a socket inside the procedure drops its messages of the same batch', async () => {
    const { client, peer } = await pair(4)
    client.send(bytes('x'))
    client.close()
    await delay(50) // margin: READ, WRITE due together (CLOSE waits for the data to be read)
    const { window, calls } = recordingWindow((m) => m.socket.close())
    asyncSelect(peer, window, WM_SOCKET, FD_READ | FD_WRITE | FD_CLOSE)
    await until(() => calls.length >= 1, 'the first message')
    await delay(80)
    expect(calls.map(label)).toEqual(['READ'])
  })

  it('a socket closed while selected stays closed in silence: its descriptor is gone, no error is thrown', async () => {
    const { client, peer } = await pair(4)
    const { window, calls } = recordingWindow()
    asyncSelect(peer, window, WM_SOCKET, FD_READ | FD_CLOSE)
    peer.close()
    client.send(bytes('x'))
    client.close()
    await delay(80)
    expect(calls).toEqual([])
    // Selecting a closed socket is an error: WSAENOTSOCK, as Winsock says of a closed handle.
    expectWsmError(() => asyncSelect(peer, window, WM_SOCKET, FD_READ), 'ENOTSOCK')
  })
})

describe('a procedure that throws', () => {
  it('is an uncaught exception, and the next messages still come', async () => {
    const { client, peer } = await pair(4)
    client.send(bytes('x'))
    await delay(50) // READ and WRITE due together
    const boom = new Error('thrown by the window procedure')
    const caught: unknown[] = []
    // Take over uncaught exceptions for the duration (vitest's own handler would fail the run).
    const saved = process.listeners('uncaughtException')
    process.removeAllListeners('uncaughtException')
    const mine = (e: unknown) => caught.push(e)
    process.on('uncaughtException', mine)
    try {
      const { window, calls } = recordingWindow((m) => {
        if (m.event === FD_READ) throw boom
      })
      asyncSelect(peer, window, WM_SOCKET, FD_READ | FD_WRITE)
      await until(() => calls.length >= 2 && caught.length >= 1, 'both messages and the uncaught error')
      expect(calls.map(label)).toEqual(['READ', 'WRITE'])
      expect(caught).toEqual([boom])
    } finally {
      process.off('uncaughtException', mine)
      for (const l of saved) process.on('uncaughtException', l)
    }
  })
})

describe('many sockets on one window', () => {
  it('1000 sockets (500 loopback pairs): each hears its own events, once each', { timeout: 30_000 }, async () => {
    const PAIRS = 500
    const server = listener(4, 1024)
    const clients: Socket[] = []
    const peers: Socket[] = []
    for (let i = 0; i < PAIRS; i++) {
      const c = tcp(4)
      c.connect(server.localPort, LOOPBACK[4])
      clients.push(c)
    }
    const deadline = Date.now() + WAIT_MS * 5
    while (peers.length < PAIRS) {
      const p = server.accept()
      if (p) peers.push(track(p))
      else if (Date.now() > deadline) throw new Error(`only ${peers.length} of ${PAIRS} connections accepted`)
      else await delay(1)
    }
    const isPeer = new Set(peers)
    const isClient = new Set(clients)
    const log = new Map<Socket, string[]>()
    const strangers: unknown[] = []
    const { window } = recordingWindow((m) => {
      if (!isPeer.has(m.socket) && !isClient.has(m.socket)) strangers.push(m.socket)
      if (m.msg !== (isPeer.has(m.socket) ? 2 : 1)) strangers.push(m.msg)
      const l = log.get(m.socket) ?? []
      l.push(label(m))
      log.set(m.socket, l)
      // A server's window procedure: read what comes.
      if (m.event === FD_READ) m.socket.recv(new Uint8Array(16))
    })
    for (const c of clients) asyncSelect(c, window, 1, FD_READ | FD_WRITE | FD_CLOSE)
    for (const p of peers) asyncSelect(p, window, 2, FD_READ | FD_WRITE | FD_CLOSE)
    const count = (event: string, of: Socket[]) => of.filter((s) => log.get(s)?.includes(event)).length

    // Every one of the 1000 is writable at once: one FD_WRITE each.
    await until(() => count('WRITE', clients) + count('WRITE', peers) === 2 * PAIRS, '1000 FD_WRITE')
    // One byte from each client: one FD_READ at each peer.
    for (const c of clients) expect(c.send(bytes('x'))).toBe(1)
    await until(() => count('READ', peers) === PAIRS, '500 FD_READ')
    // The clients close: one FD_CLOSE (0) at each peer.
    for (const c of clients) c.close()
    await until(() => count('CLOSE', peers) === PAIRS, '500 FD_CLOSE')
    await delay(100)
    expect(strangers).toEqual([])
    for (const c of clients) expect(log.get(c)).toEqual(['WRITE'])
    for (const p of peers) expect(log.get(p)).toEqual(['WRITE', 'READ', 'CLOSE'])
    // All closed: nothing more, ever.
    for (const p of peers) p.close()
    const before = [...log.values()].reduce((n, l) => n + l.length, 0)
    await delay(80)
    expect([...log.values()].reduce((n, l) => n + l.length, 0)).toBe(before)
  })

  it('a window does not keep its closed sockets alive', async () => {
    v8.setFlagsFromString('--expose-gc')
    const gc = vm.runInNewContext('gc') as () => void
    const server = listener(4)
    let delivered = 0 // (a procedure that keeps no socket)
    const window = new MessageWindow(() => void delivered++)
    windows.add(window)
    asyncSelect(server, window, WM_SOCKET, FD_ACCEPT)
    const refs: Array<WeakRef<Socket>> = []
    // In a function of its own, so that no local of this frame holds them.
    const churn = async () => {
      const made: Socket[] = []
      for (let i = 0; i < 20; i++) {
        const c = Socket.tcp()
        c.connect(server.localPort, LOOPBACK[4])
        made.push(c)
      }
      for (let i = 0; i < 20; ) {
        const p = server.accept() // inherits the listener's selection: attached to the window
        if (p) {
          made.push(p)
          i++
        } else await delay(1)
      }
      for (const s of made) {
        asyncSelect(s, window, WM_SOCKET, FD_READ | FD_WRITE | FD_CLOSE)
        refs.push(new WeakRef(s))
      }
      await until(() => delivered >= 40, 'their FD_WRITEs') // served before they close
      for (const s of made) s.close()
    }
    await churn()
    for (let i = 0; i < 10 && refs.some((r) => r.deref() !== undefined); i++) {
      await delay(10)
      gc()
    }
    expect(refs.filter((r) => r.deref() !== undefined).length).toBe(0)
    expect(window.closed).toBe(false)
  })
})
