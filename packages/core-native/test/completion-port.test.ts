// Model 6, I/O completion ports (CreateIoCompletionPort, GetQueuedCompletionStatus(Ex),
// PostQueuedCompletionStatus, AcceptEx, ConnectEx): FIFO packets, LIFO waiters, posted packets
// delivered unchanged, accept and connect as completions, nothing lost when handles or the port
// close.
import { describe, expect, it } from 'vitest'
import {
  CompletionPort,
  Overlapped,
  Socket,
  WsaEvent,
  WsmError,
  acceptEx,
  connectEx,
  getOverlappedResult,
  pendingOperations,
  recvOverlapped,
  sendOverlapped,
  waitForMultipleEvents,
  type CompletionPacket,
} from '../lib/index.js'
import { expectWsmError } from './helpers/errors.js'
import { expectNoFdLeaks } from './helpers/fds.js'
import {
  WSAECONNREFUSED,
  WSA_OPERATION_ABORTED,
  expectRejectsWsm,
  nextPacket,
  outcome,
  packets,
  untilDone,
  untilNoPendingOperations,
} from './helpers/overlapped.js'
import {
  FAMILIES,
  LOOPBACK,
  bytes,
  closeAll,
  closedPort,
  eventually,
  listener,
  pair,
  recvExactly,
  tcp,
  text,
  track,
  useSocketCleanup,
} from './helpers/sockets.js'
import { WAIT_MS, delay, isSettled, within } from './helpers/time.js'

const ports: CompletionPort[] = []
function newPort(options?: { concurrency?: number }): CompletionPort {
  const p = new CompletionPort(options)
  ports.push(p)
  return p
}

expectNoFdLeaks(async () => {
  closeAll()
  for (const p of ports.splice(0)) p.close()
  await untilNoPendingOperations()
})
useSocketCleanup()

describe('posted packets', () => {
  it('are delivered unchanged: bytes, key and the very Overlapped (or null)', async () => {
    const port = newPort()
    const ov = new Overlapped()
    const cases: Array<[number, number, Overlapped | null]> = [
      [0, 0, null],
      [1, 1, ov],
      [0xffffffff, Number.MAX_SAFE_INTEGER, ov],
      [123, -42, null],
      [7, Number.MIN_SAFE_INTEGER, new Overlapped()],
    ]
    for (const [b, k, o] of cases) port.postQueuedCompletionStatus(b, k, o)
    port.postQueuedCompletionStatus(5, 6) // overlapped omitted: null
    const got = await packets(port, cases.length + 1)
    cases.forEach(([b, k, o], i) => {
      expect(got[i]).toMatchObject({ bytes: b, key: k, error: 0 })
      expect(got[i]!.overlapped).toBe(o)
    })
    expect(got[cases.length]).toMatchObject({ bytes: 5, key: 6, overlapped: null, error: 0 })
    // A posted Overlapped is only carried: it has no operation.
    expect(ov.pending).toBe(false)
    expect(port.size).toBe(0)
  })

  it('come out FIFO, through GetQueuedCompletionStatus and GetQueuedCompletionStatusEx alike', async () => {
    const port = newPort()
    for (let i = 0; i < 100; i++) port.postQueuedCompletionStatus(i, 1000 + i)
    const seen: number[] = []
    for (let i = 0; i < 10; i++) seen.push((await nextPacket(port)).bytes)
    while (seen.length < 100) {
      const batch = await within(port.getQueuedCompletionStatusEx(7, 0), 'GQCSEx')
      expect(batch.length).toBeGreaterThan(0)
      expect(batch.length).toBeLessThanOrEqual(7)
      seen.push(...batch.map((p) => p.bytes))
    }
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i))
  })

  it('getQueuedCompletionStatusEx returns up to max packets in one call', async () => {
    const port = newPort()
    for (let i = 0; i < 5; i++) port.postQueuedCompletionStatus(i, 0)
    expect((await port.getQueuedCompletionStatusEx(3, 0)).map((p) => p.bytes)).toEqual([0, 1, 2])
    expect((await port.getQueuedCompletionStatusEx(10, 0)).map((p) => p.bytes)).toEqual([3, 4])
    expect(await port.getQueuedCompletionStatusEx(10, 0)).toEqual([])
    // A waiting Ex call gets everything posted in one go.
    const waiting = within(port.getQueuedCompletionStatusEx(64, WAIT_MS), 'GQCSEx')
    for (let i = 0; i < 20; i++) port.postQueuedCompletionStatus(i, 9)
    const batch = await waiting
    expect(batch.map((p) => p.bytes)).toEqual(Array.from({ length: 20 }, (_, i) => i))
    expect(port.size).toBe(0)
  })

  it('waiters are released last-in first-out', async () => {
    const port = newPort()
    const first = port.getQueuedCompletionStatus(WAIT_MS)
    const second = port.getQueuedCompletionStatus(WAIT_MS)
    const third = port.getQueuedCompletionStatusEx(4, WAIT_MS)
    port.postQueuedCompletionStatus(1, 1)
    expect((await within(third, 'third waiter')).map((p) => p.bytes)).toEqual([1])
    expect(await isSettled(first)).toBe(false)
    expect(await isSettled(second)).toBe(false)
    port.postQueuedCompletionStatus(2, 2)
    expect((await within(second, 'second waiter'))!.bytes).toBe(2)
    expect(await isSettled(first)).toBe(false)
    port.postQueuedCompletionStatus(3, 3)
    expect((await within(first, 'first waiter'))!.bytes).toBe(3)
  })

  it('two waiters, one packet: the second waiter gets it, the first times out with null', async () => {
    const port = newPort()
    const first = port.getQueuedCompletionStatus(100)
    const second = port.getQueuedCompletionStatus(WAIT_MS)
    port.postQueuedCompletionStatus(42, 7)
    expect(await within(second, 'second')).toMatchObject({ bytes: 42, key: 7 })
    expect(await within(first, 'first')).toBeNull()
  })

  it('time-outs: GetQueuedCompletionStatus gives null, the Ex call []; timeout 0 polls', async () => {
    const port = newPort()
    expect(await within(port.getQueuedCompletionStatus(20), 'GQCS')).toBeNull()
    expect(await within(port.getQueuedCompletionStatusEx(8, 20), 'GQCSEx')).toEqual([])
    expect(await port.getQueuedCompletionStatus(0)).toBeNull()
    expect(await port.getQueuedCompletionStatusEx(8, 0)).toEqual([])
    port.postQueuedCompletionStatus(1, 2)
    expect(await port.getQueuedCompletionStatus(0)).toMatchObject({ bytes: 1, key: 2 })
    // A waiter that timed out takes nothing later: the packet goes to the next call.
    const timedOut = await port.getQueuedCompletionStatus(1)
    expect(timedOut).toBeNull()
    port.postQueuedCompletionStatus(3, 4)
    expect(port.size).toBe(1)
    expect(await nextPacket(port)).toMatchObject({ bytes: 3, key: 4 })
  })

  it('close(): waiters reject; the port refuses every later call (EBADF); close is idempotent', async () => {
    const port = newPort()
    const a = port.getQueuedCompletionStatus()
    const b = port.getQueuedCompletionStatusEx(10, WAIT_MS * 5)
    port.postQueuedCompletionStatus(1, 1)
    expect(await within(b, 'b')).toHaveLength(1)
    const c = port.getQueuedCompletionStatusEx(10)
    port.close()
    port.close()
    expect(port.closed).toBe(true)
    for (const w of [a, c]) {
      const err = await expectRejectsWsm(w, 'ECANCELED')
      expect(err).toBeInstanceOf(WsmError)
    }
    await expectRejectsWsm(port.getQueuedCompletionStatus(0), 'EBADF')
    await expectRejectsWsm(port.getQueuedCompletionStatusEx(1, 0), 'EBADF')
    expectWsmError(() => port.postQueuedCompletionStatus(1, 1), 'EBADF')
    expectWsmError(() => port.associate(tcp(), 1), 'EBADF')
  })
})

describe.each(FAMILIES)('I/O completions on a port, IPv%i', (family) => {
  const host = LOOPBACK[family]

  it('receives and sends of associated sockets complete as packets with their key and Overlapped', async () => {
    const port = newPort()
    const { client, peer } = await pair(family)
    port.associate(peer, 11)
    port.associate(client, 22)
    const recv = new Overlapped()
    const send = new Overlapped()
    const buf = new Uint8Array(32)
    recvOverlapped(peer, buf, recv)
    expect(await port.getQueuedCompletionStatus(0)).toBeNull()
    sendOverlapped(client, bytes('through the port'), send)
    const got = await packets(port, 2)
    const byKey = new Map(got.map((p) => [p.key, p]))
    expect(byKey.get(22)).toMatchObject({ bytes: 16, error: 0 })
    expect(byKey.get(22)!.overlapped).toBe(send)
    expect(byKey.get(11)).toMatchObject({ bytes: 16, error: 0 })
    expect(byKey.get(11)!.overlapped).toBe(recv)
    expect(text(buf, 16)).toBe('through the port')
    // The Overlapped holds the outcome too, and its event would be signalled.
    expect(await getOverlappedResult(peer, recv, false)).toEqual({ bytes: 16, flags: 0 })
  })

  it('an operation on an associated socket signals its Overlapped event as well as queuing a packet', async () => {
    const port = newPort()
    const { client, peer } = await pair(family)
    port.associate(peer, 3)
    const event = new WsaEvent()
    const ov = new Overlapped({ event })
    recvOverlapped(peer, new Uint8Array(8), ov)
    client.send(bytes('e'))
    const p = await nextPacket(port)
    expect(p.overlapped).toBe(ov)
    expect(event.signaled).toBe(true)
  })

  it('packets of real completions come out in completion order (FIFO)', async () => {
    const port = newPort()
    const pairs = [await pair(family), await pair(family), await pair(family), await pair(family)]
    const ovs = pairs.map(() => new Overlapped())
    pairs.forEach((p, i) => {
      port.associate(p.peer, i)
      recvOverlapped(p.peer, new Uint8Array(8), ovs[i]!)
    })
    for (const i of [3, 1, 0, 2]) {
      pairs[i]!.client.send(bytes('x'))
      await untilDone(ovs[i]!)
    }
    const got = await packets(port, 4)
    expect(got.map((p) => p.key)).toEqual([3, 1, 0, 2])
    expect(got.map((p) => p.overlapped)).toEqual([ovs[3], ovs[1], ovs[0], ovs[2]])
  })

  it('acceptEx: the accept socket object becomes the connection; the packet comes on the listener’s port with the listener’s key', async () => {
    const port = newPort()
    const server = listener(family)
    port.associate(server, 100)
    const accepted = track(Socket.tcp({ family }))
    const ov = new Overlapped()
    acceptEx(server, accepted, ov)
    expect(ov.pending).toBe(true)
    expect(await port.getQueuedCompletionStatus(0)).toBeNull()
    const client = tcp(family)
    client.connect(server.localPort, host)
    const p = await nextPacket(port)
    expect(p).toMatchObject({ key: 100, error: 0, bytes: 0 })
    expect(p.overlapped).toBe(ov)
    // The same object, now connected to the client.
    expect(accepted.closed).toBe(false)
    expect(accepted.remotePort).toBe(client.localPort)
    expect(accepted.localPort).toBe(server.localPort)
    expect(accepted.remoteAddress).toBe(host)
    // It works as the connection, on its own port association.
    port.associate(accepted, 101)
    const recv = new Overlapped()
    const buf = new Uint8Array(8)
    recvOverlapped(accepted, buf, recv)
    client.send(bytes('hi'))
    const q = await nextPacket(port)
    expect(q).toMatchObject({ key: 101, bytes: 2, error: 0 })
    expect(q.overlapped).toBe(recv)
    expect(text(buf, 2)).toBe('hi')
    expect(accepted.send(bytes('back'))).toBe(4)
    expect(text(await recvExactly(client, 4), 4)).toBe('back')
  })

  it('acceptEx posted several times: each client gets its own accept socket, in posting order', async () => {
    const port = newPort()
    const server = listener(family)
    port.associate(server, 0)
    const sockets = [0, 1, 2].map(() => track(Socket.tcp({ family })))
    const ovs = sockets.map(() => new Overlapped())
    sockets.forEach((s, i) => acceptEx(server, s, ovs[i]!))
    const clients: Socket[] = []
    for (let i = 0; i < 3; i++) {
      const c = tcp(family)
      c.connect(server.localPort, host)
      clients.push(c)
      const p = await nextPacket(port)
      expect(p.overlapped).toBe(ovs[i])
      expect(sockets[i]!.remotePort).toBe(c.localPort)
    }
  })

  it('connectEx completes on the port with the socket’s key; the socket is connected', async () => {
    const port = newPort()
    const server = listener(family)
    const s = tcp(family)
    port.associate(s, 5)
    const ov = new Overlapped()
    connectEx(s, server.localPort, host, ov)
    const p = await nextPacket(port)
    expect(p).toMatchObject({ key: 5, error: 0, bytes: 0 })
    expect(p.overlapped).toBe(ov)
    const peer = track(await eventually(() => server.accept(), 'accept'))
    expect(peer.remotePort).toBe(s.localPort)
    expect(s.remotePort).toBe(server.localPort)
    expect(s.send(bytes('ok'))).toBe(2)
    expect(text(await recvExactly(peer, 2), 2)).toBe('ok')
  })

  it('connectEx to a closed port completes with ECONNREFUSED (WSAECONNREFUSED) on the port and the Overlapped', async () => {
    const port = newPort()
    const s = tcp(family)
    port.associate(s, 9)
    const ov = new Overlapped()
    connectEx(s, closedPort(family), host, ov)
    const p = await nextPacket(port)
    expect(p.key).toBe(9)
    expect(p.overlapped).toBe(ov)
    expect(p.error).toBe(WSAECONNREFUSED)
    expect(p.cause).toBeInstanceOf(WsmError)
    expect(p.cause!.code).toBe('ECONNREFUSED')
    expect((await outcome(s, ov)).code).toBe('ECONNREFUSED')
  })

  it('connectEx without a port: getOverlappedResult and the event report success and ECONNREFUSED', async () => {
    const server = listener(family)
    for (const [port, expected] of [
      [server.localPort, null],
      [closedPort(family), 'ECONNREFUSED'],
    ] as const) {
      const s = tcp(family)
      const event = new WsaEvent()
      const ov = new Overlapped({ event })
      connectEx(s, port, host, ov)
      expect(await within(waitForMultipleEvents([event], { timeoutMs: WAIT_MS }), 'event')).toBe(0)
      expect((await outcome(s, ov)).code).toBe(expected)
    }
  })

  it('a closed socket’s pending operations complete on the port with ECANCELED (995), none vanish', async () => {
    const port = newPort()
    const { client } = await pair(family)
    port.associate(client, 77)
    const recvs = [new Overlapped(), new Overlapped(), new Overlapped()]
    for (const ov of recvs) recvOverlapped(client, new Uint8Array(8), ov)
    const send = new Overlapped()
    sendOverlapped(client, new Uint8Array(32 * 1024 * 1024), send)
    await delay(10)
    client.close()
    const got = await packets(port, 4)
    expect(new Set(got.map((p) => p.overlapped))).toEqual(new Set([...recvs, send]))
    for (const p of got) {
      expect(p).toMatchObject({ key: 77, error: WSA_OPERATION_ABORTED })
      expect(p.cause!.code).toBe('ECANCELED')
    }
    expect(await port.getQueuedCompletionStatus(20)).toBeNull()
  })

  it('a closed listener’s pending acceptEx completes with ECANCELED; the accept socket stays unconnected and usable', async () => {
    const port = newPort()
    const server = listener(family)
    port.associate(server, 1)
    const s = track(Socket.tcp({ family }))
    const ov = new Overlapped()
    acceptEx(server, s, ov)
    server.close()
    const p = await nextPacket(port)
    expect(p).toMatchObject({ key: 1, error: WSA_OPERATION_ABORTED })
    expect(p.overlapped).toBe(ov)
    expect(s.closed).toBe(false)
    // Still a fresh socket: it can connect somewhere else.
    const other = listener(family)
    s.connect(other.localPort, host)
    track(await eventually(() => other.accept(), 'accept'))
  })

  it('port.close() with operations in flight: they complete with ECANCELED on their Overlapped (and event), not on the port', async () => {
    const port = newPort()
    const { client, peer } = await pair(family)
    port.associate(peer, 1)
    const event = new WsaEvent()
    const ov = new Overlapped({ event })
    const zero = new Overlapped()
    recvOverlapped(peer, new Uint8Array(8), ov)
    recvOverlapped(peer, new Uint8Array(0), zero)
    const waiter = port.getQueuedCompletionStatus()
    port.close()
    await expectRejectsWsm(waiter, 'ECANCELED')
    expect(await within(waitForMultipleEvents([event], { timeoutMs: WAIT_MS }), 'event')).toBe(0)
    for (const o of [ov, zero]) {
      const err = await expectRejectsWsm(getOverlappedResult(peer, o, true), 'ECANCELED')
      expect(err.wsaCode).toBe(WSA_OPERATION_ABORTED)
    }
    // The socket lives on, no longer on a port; its data was not eaten by the cancelled receives.
    client.send(bytes('still here'))
    expect(text(await recvExactly(peer, 10), 10)).toBe('still here')
    // And it may join another port.
    const other = newPort()
    other.associate(peer, 2)
    const again = new Overlapped()
    recvOverlapped(peer, new Uint8Array(8), again)
    client.send(bytes('!'))
    expect(await nextPacket(other)).toMatchObject({ key: 2, bytes: 1 })
  })

  it('a handle joins one port: associating it again is EINVAL; a closed handle is EBADF', async () => {
    const a = newPort()
    const b = newPort()
    const s = tcp(family)
    a.associate(s, 1)
    expectWsmError(() => a.associate(s, 2), 'EINVAL')
    expectWsmError(() => b.associate(s, 2), 'EINVAL')
    const closed = tcp(family)
    closed.close()
    expectWsmError(() => a.associate(closed, 3), 'EBADF')
  })

  it('an operation with a completion routine, started before its socket joined a port, goes to the routine, not the port', async () => {
    // (A routine on a socket already associated is refused: test/conformance/overlapped-ports.test.ts.)
    const port = newPort()
    const { client, peer } = await pair(family)
    let ran = 0
    const ov = new Overlapped()
    recvOverlapped(peer, new Uint8Array(4), ov, () => ran++)
    port.associate(peer, 1)
    client.send(bytes('r'))
    await untilDone(ov)
    expect(await port.getQueuedCompletionStatus(20)).toBeNull()
    const { sleepEx } = await import('../lib/index.js')
    expect(await sleepEx(WAIT_MS, true)).toBe(192)
    expect(ran).toBe(1)
  })
})

describe('completion ports and the engine', () => {
  it('every operation started is accounted for: pendingOperations() returns to where it was', async () => {
    const base = pendingOperations()
    const port = newPort()
    const { client, peer } = await pair(4)
    port.associate(peer, 1)
    const ovs = Array.from({ length: 10 }, () => new Overlapped())
    for (const ov of ovs) recvOverlapped(peer, new Uint8Array(1), ov)
    expect(pendingOperations()).toBe(base + 10)
    client.send(new Uint8Array(4))
    const done: CompletionPacket[] = await packets(port, 4)
    expect(done.every((p) => p.bytes === 1)).toBe(true)
    peer.close()
    await packets(port, 6)
    expect(pendingOperations()).toBe(base)
  })
})
