// WSAEventSelect: network events recorded per socket and signalled on a WsaEvent (manual reset,
// starts unsignalled); WSAEnumNetworkEvents returns the record with an error per event, clears it
// and resets the event in one step; WSAWaitForMultipleEvents over the events of real sockets.
import { afterEach, describe, expect, it } from 'vitest'
import {
  FD_CLOSE,
  FD_CONNECT,
  FD_READ,
  FD_WRITE,
  WSA_MAXIMUM_WAIT_EVENTS,
  WSA_WAIT_EVENT_0,
  WSA_WAIT_TIMEOUT,
  WsaEvent,
  WsmError,
  enumNetworkEvents,
  eventSelect,
  waitForMultipleEvents,
  type Socket,
} from '../lib/index.js'
import { expectWsmError } from './helpers/errors.js'
import {
  SETTLE_MS,
  WSAECONNABORTED,
  WSAECONNREFUSED,
  closeCollectors,
  closeNodePeers,
  nodePeer,
} from './helpers/network-events.js'
import { expectNoFdLeaks } from './helpers/fds.js'
import { LOOPBACK, bytes, closeAll, closedPort, eventually, listener, pair, tcp, useSocketCleanup, type Pair } from './helpers/sockets.js'
import { WAIT_MS, delay, isSettled, within } from './helpers/time.js'

const events = new Set<WsaEvent>()
function newEvent(): WsaEvent {
  const e = new WsaEvent()
  events.add(e)
  return e
}
function closeEvents(): void {
  for (const e of events) e.close()
  events.clear()
}

expectNoFdLeaks(async () => {
  closeEvents()
  closeCollectors()
  closeAll()
  await closeNodePeers()
})
useSocketCleanup()
afterEach(async () => {
  closeEvents()
  await closeNodePeers()
})

/** waitForMultipleEvents that fails the test instead of hanging it. */
function wait(list: WsaEvent[], options: Parameters<typeof waitForMultipleEvents>[1] = {}): Promise<number> {
  return within(waitForMultipleEvents(list, { timeoutMs: WAIT_MS, ...options }), 'waitForMultipleEvents', WAIT_MS + 500)
}

describe('eventSelect signals a manual-reset event', () => {
  it('starts unsignalled; a network event sets it; waits leave it set; enumNetworkEvents resets it', async () => {
    const { client, peer } = await pair(4)
    const ev = newEvent()
    expect(ev.signaled).toBe(false)
    eventSelect(peer, ev, FD_READ)
    expect(await waitForMultipleEvents([ev], { timeoutMs: 0 })).toBe(WSA_WAIT_TIMEOUT) // nothing yet
    client.send(bytes('x'))
    expect(await wait([ev])).toBe(WSA_WAIT_EVENT_0)
    // Manual reset: a satisfied wait does not reset it.
    expect(ev.signaled).toBe(true)
    expect(await waitForMultipleEvents([ev], { timeoutMs: 0 })).toBe(WSA_WAIT_EVENT_0)
    expect(enumNetworkEvents(peer, ev)).toEqual({ events: FD_READ, errors: { [FD_READ]: 0 } })
    expect(ev.signaled).toBe(false)
    // The record was cleared.
    expect(enumNetworkEvents(peer, ev)).toEqual({ events: 0, errors: {} })
  })

  it('enumNetworkEvents without the event clears the record and leaves the event alone', async () => {
    const { client, peer } = await pair(4)
    const ev = newEvent()
    eventSelect(peer, ev, FD_READ)
    client.send(bytes('x'))
    await wait([ev])
    expect(enumNetworkEvents(peer)).toEqual({ events: FD_READ, errors: { [FD_READ]: 0 } })
    expect(ev.signaled).toBe(true)
    expect(enumNetworkEvents(peer)).toEqual({ events: 0, errors: {} })
    ev.reset()
    expect(ev.signaled).toBe(false)
  })

  it('several events of one socket accumulate in the record until it is read', async () => {
    const server = listener(4)
    const c = tcp(4)
    const ev = newEvent()
    eventSelect(c, ev, FD_CONNECT | FD_WRITE | FD_READ | FD_CLOSE)
    c.connect(server.localPort, LOOPBACK[4])
    await wait([ev])
    const p = await eventually(() => server.accept(), 'accept')
    p.send(bytes('hi'))
    p.close()
    await delay(SETTLE_MS) // margin for READ and CLOSE to be recorded too, without reading the record
    // CONNECT and WRITE came first, READ and CLOSE later (CLOSE at once, the data unread, as
    // Windows records it): one record holds them all.
    expect(enumNetworkEvents(c, ev)).toEqual({
      events: FD_CONNECT | FD_WRITE | FD_READ | FD_CLOSE,
      errors: { [FD_CONNECT]: 0, [FD_WRITE]: 0, [FD_READ]: 0, [FD_CLOSE]: 0 },
    })
    expect(c.recv(new Uint8Array(8))).toBe(2)
    expect(c.recv(new Uint8Array(8))).toBe(0)
  })
})

describe('enumNetworkEvents errors, keyed by FD_ constant, in Winsock numbers', () => {
  it('a refused connect: errors[FD_CONNECT] is WSAECONNREFUSED (10061)', async () => {
    const c = tcp(4)
    const ev = newEvent()
    eventSelect(c, ev, FD_CONNECT | FD_WRITE | FD_READ | FD_CLOSE)
    c.connect(closedPort(4), LOOPBACK[4])
    await wait([ev])
    const record = enumNetworkEvents(c, ev)
    expect(record).toEqual({ events: FD_CONNECT, errors: { [FD_CONNECT]: WSAECONNREFUSED } })
    expect(record.errors[FD_CONNECT]).toBe(10061)
  })

  it('a successful connect: errors[FD_CONNECT] is 0', async () => {
    const server = listener(4)
    const c = tcp(4)
    const ev = newEvent()
    eventSelect(c, ev, FD_CONNECT)
    c.connect(server.localPort, LOOPBACK[4])
    await wait([ev])
    expect(enumNetworkEvents(c, ev)).toEqual({ events: FD_CONNECT, errors: { [FD_CONNECT]: 0 } })
  })

  it('a reset: errors[FD_CLOSE] is WSAECONNABORTED (10053), as Windows records it; a graceful close: 0', async () => {
    const peer = await nodePeer()
    const a = tcp(4)
    const b = tcp(4)
    a.connect(peer.port, LOOPBACK[4])
    const ra = await peer.next()
    b.connect(peer.port, LOOPBACK[4])
    const rb = await peer.next()
    const ea = newEvent()
    const eb = newEvent()
    eventSelect(a, ea, FD_CLOSE)
    eventSelect(b, eb, FD_CLOSE)
    ra.resetAndDestroy()
    rb.end()
    await wait([ea, eb], { waitAll: true })
    expect(enumNetworkEvents(a, ea)).toEqual({ events: FD_CLOSE, errors: { [FD_CLOSE]: WSAECONNABORTED } })
    expect(enumNetworkEvents(b, eb)).toEqual({ events: FD_CLOSE, errors: { [FD_CLOSE]: 0 } })
  })
})

describe('one event, many sockets: a WSAEventSelect server loop', () => {
  it('serves 8 clients to the end: every byte read, one FD_CLOSE each, no event left signalled with nothing recorded', async () => {
    const pairs: Pair[] = []
    for (let i = 0; i < 8; i++) pairs.push(await pair(4))
    const ev = newEvent()
    const peers = pairs.map((p) => p.peer)
    for (const p of peers) eventSelect(p, ev, FD_READ | FD_CLOSE)
    const received = new Map<Socket, number>(peers.map((p) => [p, 0]))
    const closes = new Map<Socket, number[]>(peers.map((p) => [p, []]))
    // The clients write in bursts, then close, while the loop below serves.
    const traffic = (async () => {
      for (let round = 0; round < 5; round++) {
        for (const { client } of pairs) client.send(new Uint8Array(1000 + round))
        await delay(5)
      }
      for (const { client } of pairs) client.close()
    })()
    const buf = new Uint8Array(64 * 1024)
    const total = 8 * (1000 + 1001 + 1002 + 1003 + 1004)
    const deadline = Date.now() + WAIT_MS * 2
    while ([...closes.values()].some((c) => c.length === 0)) {
      if (Date.now() > deadline) throw new Error('the server loop did not see every close in time')
      const r = await waitForMultipleEvents([ev], { timeoutMs: 50 })
      if (r === WSA_WAIT_TIMEOUT) continue
      expect(r).toBe(WSA_WAIT_EVENT_0)
      for (const p of peers) {
        if (p.closed) continue
        const { events: e, errors } = enumNetworkEvents(p, ev)
        if (e & FD_READ) {
          try {
            received.set(p, received.get(p)! + p.recv(buf))
          } catch (err) {
            if (!(err instanceof WsmError && err.code === 'EWOULDBLOCK')) throw err
          }
        }
        if (e & FD_CLOSE) closes.get(p)!.push(errors[FD_CLOSE]!)
      }
    }
    await traffic
    // Every byte was read through FD_READ notifications alone (a recv per FD_READ, as the rule
    // wants): no data is stranded behind an event that never came.
    expect([...received.values()].reduce((a, b) => a + b, 0)).toBe(total)
    for (const c of closes.values()) expect(c).toEqual([0])
    // Nothing recorded without the event being signalled, and nothing more to come.
    await delay(SETTLE_MS)
    expect(ev.signaled).toBe(false)
    for (const p of peers) expect(enumNetworkEvents(p)).toEqual({ events: 0, errors: {} })
  })
})

describe('waitForMultipleEvents over network events', () => {
  async function fourSelected() {
    const pairs: Pair[] = []
    const evs: WsaEvent[] = []
    for (let i = 0; i < 4; i++) {
      const p = await pair(4)
      const ev = newEvent()
      eventSelect(p.peer, ev, FD_READ)
      pairs.push(p)
      evs.push(ev)
    }
    return { pairs, evs }
  }

  it('resolves WSA_WAIT_EVENT_0 + the lowest signalled index', async () => {
    const { pairs, evs } = await fourSelected()
    pairs[3]!.client.send(bytes('d'))
    pairs[1]!.client.send(bytes('b'))
    await eventually(() => evs[1]!.signaled && evs[3]!.signaled, 'events 1 and 3')
    expect(await wait(evs)).toBe(WSA_WAIT_EVENT_0 + 1)
    expect(enumNetworkEvents(pairs[1]!.peer, evs[1]).events).toBe(FD_READ)
    expect(await wait(evs)).toBe(WSA_WAIT_EVENT_0 + 3)
    expect(evs[0]!.signaled || evs[2]!.signaled).toBe(false)
  })

  it('a pending wait resolves when a network event signals one of its events', async () => {
    const { pairs, evs } = await fourSelected()
    const p = wait(evs)
    expect(await isSettled(p)).toBe(false)
    pairs[2]!.client.send(bytes('c'))
    expect(await p).toBe(WSA_WAIT_EVENT_0 + 2)
  })

  it('waitAll resolves only once every event is signalled', async () => {
    const { pairs, evs } = await fourSelected()
    const p = wait(evs, { waitAll: true })
    for (let i = 0; i < 3; i++) pairs[i]!.client.send(bytes('x'))
    await eventually(() => evs[0]!.signaled && evs[1]!.signaled && evs[2]!.signaled, 'three events')
    expect(await isSettled(p)).toBe(false)
    pairs[3]!.client.send(bytes('x'))
    expect(await p).toBe(WSA_WAIT_EVENT_0)
  })

  it('WSA_WAIT_TIMEOUT when nothing is signalled in time; timeout 0 polls', async () => {
    const { pairs, evs } = await fourSelected()
    expect(await waitForMultipleEvents(evs, { timeoutMs: 30 })).toBe(WSA_WAIT_TIMEOUT)
    expect(await waitForMultipleEvents(evs, { timeoutMs: 0 })).toBe(WSA_WAIT_TIMEOUT)
    pairs[0]!.client.send(bytes('a'))
    await eventually(() => evs[0]!.signaled, 'event 0')
    expect(await waitForMultipleEvents(evs, { timeoutMs: 0 })).toBe(WSA_WAIT_EVENT_0)
  })

  it('an alertable wait with no completion routine queued resolves the event index as usual', async () => {
    const { pairs, evs } = await fourSelected()
    const p = wait(evs, { alertable: true })
    pairs[1]!.client.send(bytes('b'))
    expect(await p).toBe(WSA_WAIT_EVENT_0 + 1)
  })

  it(`waits on 1 to ${WSA_MAXIMUM_WAIT_EVENTS} events: 64 sockets' events work, 65 or none is an error`, async () => {
    const server = listener(4, 128)
    const evs: WsaEvent[] = []
    const clients: Socket[] = []
    for (let i = 0; i < WSA_MAXIMUM_WAIT_EVENTS; i++) {
      const c = tcp(4)
      const ev = newEvent()
      eventSelect(c, ev, FD_CONNECT)
      c.connect(server.localPort, LOOPBACK[4])
      clients.push(c)
      evs.push(ev)
    }
    expect(await wait(evs, { waitAll: true })).toBe(WSA_WAIT_EVENT_0)
    for (let i = 0; i < evs.length; i++) {
      expect(enumNetworkEvents(clients[i]!, evs[i])).toEqual({ events: FD_CONNECT, errors: { [FD_CONNECT]: 0 } })
    }
    // (The wait is a Promise: bad input rejects it.)
    await expect(waitForMultipleEvents([...evs, newEvent()])).rejects.toMatchObject({ code: 'EINVAL' })
    await expect(waitForMultipleEvents([])).rejects.toMatchObject({ code: 'EINVAL' })
  })
})

describe('stopping and closing', () => {
  it('eventSelect(s, e, 0) stops the signals, and the record is gone', async () => {
    const { client, peer } = await pair(4)
    const ev = newEvent()
    eventSelect(peer, ev, FD_READ | FD_CLOSE)
    eventSelect(peer, ev, 0)
    client.send(bytes('x'))
    client.close()
    expect(await waitForMultipleEvents([ev], { timeoutMs: SETTLE_MS })).toBe(WSA_WAIT_TIMEOUT)
    expect(enumNetworkEvents(peer, ev)).toEqual({ events: 0, errors: {} })
  })

  it('a closed socket signals nothing more, and enumNetworkEvents on it fails', async () => {
    const { client, peer } = await pair(4)
    const ev = newEvent()
    eventSelect(peer, ev, FD_READ | FD_CLOSE)
    peer.close()
    client.send(bytes('x'))
    client.close()
    expect(await waitForMultipleEvents([ev], { timeoutMs: SETTLE_MS })).toBe(WSA_WAIT_TIMEOUT)
    expectWsmError(() => enumNetworkEvents(peer, ev), 'ENOTSOCK')
    expectWsmError(() => eventSelect(peer, ev, FD_READ), 'ENOTSOCK')
  })

  it('an event closed while selected: network events are then recorded without a signal, and no error escapes', async () => {
    const { client, peer } = await pair(4)
    const ev = newEvent()
    eventSelect(peer, ev, FD_READ)
    ev.close()
    client.send(bytes('x'))
    await delay(SETTLE_MS)
    expect(ev.signaled).toBe(false)
    expect(enumNetworkEvents(peer).events).toBe(FD_READ)
    // The socket can be given a new event.
    const fresh = newEvent()
    expectWsmError(() => eventSelect(peer, ev, FD_READ), 'EBADF')
    eventSelect(peer, fresh, FD_READ)
    // FD_READ was recorded and nothing re-enabled it: the unread byte is not reported again, as on
    // Windows; the next data is (test/conformance/network-events.test.ts).
    await delay(SETTLE_MS)
    expect(fresh.signaled).toBe(false)
    client.send(bytes('y'))
    expect(await wait([fresh])).toBe(WSA_WAIT_EVENT_0)
  })

  it('a wait on an event that is closed meanwhile rejects with EBADF', async () => {
    const { peer } = await pair(4)
    const ev = newEvent()
    eventSelect(peer, ev, FD_READ)
    const p = waitForMultipleEvents([ev], { timeoutMs: WAIT_MS })
    ev.close()
    const e = await within(
      p.then(
        () => null,
        (err: unknown) => err,
      ),
      'the wait',
    )
    expect(e).toBeInstanceOf(WsmError)
    expect(e).toMatchObject({ code: 'EBADF' })
  })
})
