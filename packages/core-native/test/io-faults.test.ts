// Faults around the completion engine: a peer reset mid-transfer, handles and ports closed with
// operations pending, buffers dropped or detached while the kernel works on them, and ten
// thousand operations cancelled at once. Each must end in completions with errors, never in a
// hang, a lost completion, a crash or corrupted memory.
import { describe, expect, it } from 'vitest'
import {
  CompletionPort,
  FileHandle,
  Overlapped,
  Socket,
  WSA_WAIT_EVENT_0,
  WsaEvent,
  WsmError,
  acceptEx,
  connectEx,
  pendingOperations,
  readFileOverlapped,
  recvOverlapped,
  sendOverlapped,
  sleepEx,
  waitForMultipleEvents,
  type CompletionPacket,
  type CompletionRoutine,
} from '../lib/index.js'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { thrown } from './helpers/errors.js'
import { expectNoFdLeaks } from './helpers/fds.js'
import {
  WSAEFAULT,
  WSA_OPERATION_ABORTED,
  detach,
  equalBytes,
  expectRejectsWsm,
  fullGc,
  outcome,
  packets,
  random,
  until,
  untilDone,
  untilNoPendingOperations,
} from './helpers/overlapped.js'
import { LOOPBACK, bytes, closeAll, eventually, listener, pair, tcp, text, track, useSocketCleanup, type Pair } from './helpers/sockets.js'
import { nativeHandleOf } from '../lib/socket.js'
import { WAIT_MS, delay, within } from './helpers/time.js'
import { WSAECONNRESET, nodeClientPair, useNodeClientCleanup } from './helpers/reset-peer.js'

const ports: CompletionPort[] = []
function newPort(): CompletionPort {
  const p = new CompletionPort()
  ports.push(p)
  return p
}

expectNoFdLeaks(async () => {
  closeAll()
  for (const p of ports.splice(0)) p.close()
  await untilNoPendingOperations(10_000)
  await sleepEx(0, true)
})
useSocketCleanup()
useNodeClientCleanup()

describe('a peer reset mid-transfer', () => {
  const ROUNDS = 20

  /** Winsock's report of a reset: code ECONNRESET, wsaCode WSAECONNRESET, for `what`. */
  function expectReset(error: number, cause: WsmError | null | undefined, what: string): void {
    expect({ what, error, code: cause?.code, wsaCode: cause?.wsaCode }).toEqual({
      what,
      error: WSAECONNRESET,
      code: 'ECONNRESET',
      wsaCode: WSAECONNRESET,
    })
  }

  /**
   * A connection from a Node client, reset by it while the core's side has `pendingRecv` (a
   * receive into `recvBytes` bytes) and a 16 MiB send (which the client never reads) in flight.
   * Returns the packets of both, by operation.
   */
  async function resetWithPending(recvBytes: number): Promise<{ socket: Socket; port: CompletionPort; recv: CompletionPacket; send: CompletionPacket }> {
    const { socket, client } = await nodeClientPair()
    const port = newPort()
    port.associate(socket, 1)
    const recv = new Overlapped()
    recvOverlapped(socket, new Uint8Array(recvBytes), recv)
    const send = new Overlapped()
    sendOverlapped(socket, new Uint8Array(16 * 1024 * 1024), send)
    await delay(5)
    expect(recv.pending && send.pending, 'the receive and the send are both pending before the reset').toBe(true)
    client.resetAndDestroy()
    const got = await packets(port, 2)
    const by = new Map(got.map((p) => [p.overlapped, p]))
    return { socket, port, recv: by.get(recv)!, send: by.get(send)! }
  }

  // The kernel hands a reset's error to one call; which one is a race (io_uring's send took it and
  // its receive saw a clean end, epoll's receive took it and its send saw EPIPE). Rounds let it show.
  it(`pending receive and send, then a later send and receive: each fails with ECONNRESET (WSAECONNRESET), ${ROUNDS} rounds`, async () => {
    const deadline = Date.now() + 20_000
    for (let round = 0; round < ROUNDS; round++) {
      expect(Date.now(), `round ${round} started in time`).toBeLessThan(deadline)
      const { socket, port, recv, send } = await resetWithPending(64 * 1024)
      expectReset(recv.error, recv.cause, `round ${round}: the pending receive`)
      expectReset(send.error, send.cause, `round ${round}: the pending send`)
      // For the rest of the socket's life, as in Winsock: later calls fail at the call
      // (test/conformance/overlapped-ports.test.ts).
      const later = new Overlapped()
      const s = thrown(() => sendOverlapped(socket, bytes('after the reset'), later)) as WsmError
      expectReset(WSAECONNRESET, s, `round ${round}: a later send`)
      const r = thrown(() => recvOverlapped(socket, new Uint8Array(16), later)) as WsmError
      expectReset(WSAECONNRESET, r, `round ${round}: a later receive`)
      expect(later.pending).toBe(false)
      socket.close()
      port.close()
    }
  }, 30_000)

  it('a pending zero-byte receive fails with the reset too (it reads nothing, but it does not succeed)', async () => {
    for (let round = 0; round < 5; round++) {
      const { socket, port, recv, send } = await resetWithPending(0)
      expectReset(recv.error, recv.cause, `round ${round}: the pending zero-byte receive`)
      expectReset(send.error, send.cause, `round ${round}: the pending send`)
      socket.close()
      port.close()
    }
  })
})

describe('handles closed with operations pending', () => {
  it('receive, zero-byte receive, send, accept and connect all complete with ECANCELED on the port', async () => {
    const port = newPort()
    const { client, peer } = await pair(4)
    port.associate(client, 1)
    const server = listener(4)
    port.associate(server, 2)

    // A connect that stays pending: the target's accept queue is full (backlog 0: one queued
    // connection), so its SYNs are dropped and the handshake waits.
    const full = listener(4, 0)
    const fillers: Socket[] = []
    let connecting: Socket | null = null
    let connectOv: Overlapped | null = null
    for (let i = 0; i < 8 && !connecting; i++) {
      const s = tcp(4)
      port.associate(s, 100 + i)
      const ov = new Overlapped()
      connectEx(s, full.localPort, LOOPBACK[4], ov)
      await delay(30)
      if (ov.pending) {
        connecting = s
        connectOv = ov
      } else {
        fillers.push(s)
        const p = await packets(port, 1)
        expect(p[0]!.overlapped).toBe(ov)
      }
    }
    expect(connecting, 'a connect left pending by a full accept queue').not.toBeNull()

    const ovs = {
      recv: new Overlapped(),
      zero: new Overlapped(),
      send: new Overlapped(),
      accept: new Overlapped(),
      connect: connectOv!,
    }
    recvOverlapped(client, new Uint8Array(16), ovs.recv)
    recvOverlapped(client, new Uint8Array(0), ovs.zero)
    sendOverlapped(client, new Uint8Array(32 * 1024 * 1024), ovs.send)
    const acceptSocket = track(Socket.tcp())
    acceptEx(server, acceptSocket, ovs.accept)
    await delay(10)
    for (const ov of Object.values(ovs)) expect(ov.pending).toBe(true)

    client.close()
    server.close()
    connecting!.close()
    const got = await packets(port, 5)
    const byOv = new Map<Overlapped, CompletionPacket>(got.map((p) => [p.overlapped!, p]))
    for (const [name, ov] of Object.entries(ovs)) {
      const p = byOv.get(ov)
      expect(p, name).toBeDefined()
      expect(p!.error, name).toBe(WSA_OPERATION_ABORTED)
      expect(p!.cause!.code, name).toBe('ECANCELED')
      expect(ov.error!.code, name).toBe('ECANCELED')
    }
    expect(await port.getQueuedCompletionStatus(20)).toBeNull()
    void peer
  })

  it('an accept socket closed while its acceptEx is pending: the accept completes with ECANCELED and takes no connection', async () => {
    const server = listener(4)
    const acceptSocket = Socket.tcp()
    const ov = new Overlapped()
    acceptEx(server, acceptSocket, ov)
    acceptSocket.close()
    const client = tcp(4)
    client.connect(server.localPort, LOOPBACK[4])
    expect((await outcome(server, ov)).code).toBe('ECANCELED')
    expect(acceptSocket.closed).toBe(true)
    // The connection waits for the next accept (test/conformance/overlapped-ports.test.ts).
    track(await eventually(() => server.accept(), 'the connection, at accept'))
  })

  it('closing a socket twice, or closing it from inside the completion of its own operation, completes everything once', async () => {
    const { client } = await pair(4)
    const calls: number[] = []
    const a = new Overlapped()
    const b = new Overlapped()
    const routine: CompletionRoutine = (error) => {
      calls.push(error)
      client.close() // already closed: nothing more happens
    }
    recvOverlapped(client, new Uint8Array(4), a, routine)
    recvOverlapped(client, new Uint8Array(4), b, routine)
    client.close()
    client.close()
    await untilDone(a)
    await untilDone(b)
    expect(await within(sleepEx(WAIT_MS, true), 'sleepEx')).toBe(192)
    expect(calls).toEqual([WSA_OPERATION_ABORTED, WSA_OPERATION_ABORTED])
    expect(await sleepEx(10, true)).toBe(0)
  })

  it('a port closed with waiters and operations in flight: waiters reject, operations complete on their Overlappeds', async () => {
    const port = newPort()
    const pairs: Pair[] = []
    for (let i = 0; i < 4; i++) pairs.push(await pair(4))
    const ovs = pairs.map((p, i) => {
      port.associate(p.peer, i)
      const ov = new Overlapped()
      recvOverlapped(p.peer, new Uint8Array(8), ov)
      return ov
    })
    const waiters = [port.getQueuedCompletionStatus(), port.getQueuedCompletionStatusEx(8), port.getQueuedCompletionStatus(WAIT_MS * 5)]
    port.close()
    for (const w of waiters) await expectRejectsWsm(w, 'ECANCELED')
    for (const ov of ovs) {
      await untilDone(ov)
      expect(ov.error?.code).toBe('ECANCELED')
    }
  })
})

describe('handles while the kernel works on them', () => {
  /** Accepts a connection and starts a receive on it; returns only a weak handle on its native socket. */
  async function receiveOnUnreferencedSocket(server: Socket, event: WsaEvent): Promise<WeakRef<object>> {
    const peer = await eventually(() => server.accept(), 'accept')
    recvOverlapped(peer, new Uint8Array(64), new Overlapped({ event }))
    return new WeakRef(nativeHandleOf(peer))
  }

  it('a socket nobody references is let go once its last operation has completed (collected, not kept by the core)', async () => {
    const server = listener(4)
    const client = tcp(4)
    client.connect(server.localPort, LOOPBACK[4])
    const event = new WsaEvent()
    const native = await receiveOnUnreferencedSocket(server, event)
    client.send(bytes('x'))
    expect(await waitForMultipleEvents([event], { timeoutMs: WAIT_MS })).toBe(WSA_WAIT_EVENT_0)
    // The core lets go at the end of the batch that delivered the completion: a few turns later.
    let collected = false
    for (let round = 0; round < 20 && !collected; round++) {
      await delay(1)
      await fullGc()
      collected = native.deref() === undefined
    }
    expect(collected, 'the core still holds a socket whose operations have all completed').toBe(true)
  })
})

describe('buffers while the kernel works on them', () => {
  /** Starts a receive into a buffer only the core references; returns a weak handle on it. */
  function recvIntoDroppedBuffer(s: Socket, ov: Overlapped, size: number): WeakRef<Uint8Array> {
    const buf = new Uint8Array(size)
    recvOverlapped(s, buf, ov)
    return new WeakRef(buf)
  }

  function dropped(size: number): WeakRef<Uint8Array> {
    return new WeakRef(new Uint8Array(size))
  }

  it('a receive buffer whose last JavaScript reference is dropped is kept alive until the completion, which fills it', async () => {
    const { client, peer } = await pair(4)
    const ov = new Overlapped()
    const weak = recvIntoDroppedBuffer(peer, ov, 1024)
    const control = dropped(1024)
    await delay(1)
    await fullGc()
    // The control buffer, referenced by nobody, is gone: the collection did run.
    expect(control.deref()).toBeUndefined()
    const data = random(700)
    client.send(data)
    expect(await outcome(peer, ov)).toMatchObject({ bytes: 700, code: null })
    const buf = weak.deref()
    expect(buf, 'the buffer of the receive was collected while in flight').toBeDefined()
    expect(equalBytes(buf!.subarray(0, 700), data)).toBe(true)
  })

  it('once the receive has completed the core lets go of the buffer', async () => {
    const { client, peer } = await pair(4)
    const ov = new Overlapped()
    const weak = recvIntoDroppedBuffer(peer, ov, 64)
    client.send(bytes('x'))
    await untilDone(ov)
    await delay(1)
    await fullGc()
    expect(weak.deref(), 'the core still holds a completed receive’s buffer').toBeUndefined()
  })

  it('many receives on buffers dropped and collected around them: no crash, every byte lands', async () => {
    const { client, peer } = await pair(4)
    const port = newPort()
    port.associate(peer, 1)
    const weaks: Array<WeakRef<Uint8Array>> = []
    const ovs: Overlapped[] = []
    for (let i = 0; i < 50; i++) {
      const ov = new Overlapped()
      ovs.push(ov)
      weaks.push(recvIntoDroppedBuffer(peer, ov, 1))
    }
    await delay(1)
    await fullGc()
    client.send(Uint8Array.from({ length: 50 }, (_, i) => i))
    const got = await packets(port, 50)
    expect(got.map((p) => p.overlapped)).toEqual(ovs)
    expect(got.every((p) => p.bytes === 1 && p.error === 0)).toBe(true)
    expect(weaks.map((w) => w.deref()?.[0])).toEqual(Array.from({ length: 50 }, (_, i) => i))
  })

  it('a file read into a dropped buffer, collected while in flight: no crash, the bytes land', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsm-gc-'))
    try {
      const path = join(dir, 'f')
      const data = random(256 * 1024)
      writeFileSync(path, data)
      const f = FileHandle.open(path, { read: true })
      try {
        const ov = new Overlapped()
        const weak = ((): WeakRef<Uint8Array> => {
          const buf = new Uint8Array(data.length)
          readFileOverlapped(f, buf, 0, ov)
          return new WeakRef(buf)
        })()
        await fullGc()
        expect(await outcome(f, ov)).toMatchObject({ bytes: data.length, code: null })
        const buf = weak.deref()
        if (buf) expect(equalBytes(buf, data)).toBe(true)
      } finally {
        f.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a receive buffer detached while in flight: the completion reports EFAULT (WSAEFAULT) and nothing is written', async () => {
    const { client, peer } = await pair(4)
    const buf = new Uint8Array(64)
    const ov = new Overlapped()
    recvOverlapped(peer, buf, ov)
    detach(buf)
    client.send(bytes('into the void'))
    const r = await outcome(peer, ov)
    expect(r.code).toBe('EFAULT')
    expect(r.error!.wsaCode).toBe(WSAEFAULT)
    expect(r.bytes).toBe(0)
    // The connection is still usable.
    const again = new Overlapped()
    const fresh = new Uint8Array(64)
    recvOverlapped(peer, fresh, again)
    client.send(bytes('ok'))
    const r2 = await outcome(peer, again)
    expect(r2.code).toBeNull()
    expect(text(fresh, r2.bytes).endsWith('ok')).toBe(true)
  })

  it('a WSABUF array with a buffer detached in flight: EFAULT when the data reaches it', async () => {
    const { client, peer } = await pair(4)
    const first = new Uint8Array(2)
    const second = new Uint8Array(8)
    const ov = new Overlapped()
    expect(client.send(bytes('12345'))).toBe(5)
    const probe = new Overlapped()
    recvOverlapped(peer, new Uint8Array(0), probe)
    await untilDone(probe)
    recvOverlapped(peer, [first, second], ov)
    detach(second)
    expect((await outcome(peer, ov)).code).toBe('EFAULT')
  })

  it('a file read buffer detached in flight: EFAULT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsm-detach-'))
    try {
      const path = join(dir, 'f')
      writeFileSync(path, 'file contents')
      const f = FileHandle.open(path, { read: true })
      try {
        const buf = new Uint8Array(32)
        const ov = new Overlapped()
        readFileOverlapped(f, buf, 0, ov)
        detach(buf)
        const r = await outcome(f, ov)
        expect(r.code).toBe('EFAULT')
        expect(r.error!.wsaCode).toBe(WSAEFAULT)
      } finally {
        f.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a send buffer detached right after the call: the bytes were taken at the call, all of them arrive', async () => {
    const { client, peer } = await pair(4)
    const data = random(200_000)
    const copy = data.slice()
    const ov = new Overlapped()
    sendOverlapped(client, data, ov)
    detach(data)
    await fullGc()
    const r = await outcome(client, ov)
    expect(r).toMatchObject({ bytes: 200_000, code: null })
    const got = new Uint8Array(200_000)
    let n = 0
    while (n < got.length) {
      const rov = new Overlapped()
      recvOverlapped(peer, got.subarray(n), rov)
      const rr = await outcome(peer, rov)
      expect(rr.code).toBeNull()
      expect(rr.bytes).toBeGreaterThan(0)
      n += rr.bytes
    }
    expect(equalBytes(got, copy)).toBe(true)
  })
})

describe('ten thousand operations cancelled at once', () => {
  const N = 10_000

  it('10k receives (zero-byte and 1-byte) across 100 connections, all closed: 10k ECANCELED packets, none lost', async () => {
    const base = pendingOperations()
    const port = newPort()
    const pairs: Pair[] = []
    for (let i = 0; i < 100; i++) {
      const p = await pair(4)
      port.associate(p.client, i)
      pairs.push(p)
    }
    const ovs: Overlapped[] = []
    const one = new Uint8Array(1)
    const zero = new Uint8Array(0)
    for (let i = 0; i < N; i++) {
      const ov = new Overlapped()
      ovs.push(ov)
      recvOverlapped(pairs[i % 100]!.client, i % 2 ? one : zero, ov)
    }
    expect(pendingOperations()).toBe(base + N)
    for (const p of pairs) p.client.close()
    const got = await packets(port, N, 15_000)
    expect(got).toHaveLength(N)
    expect(new Set(got.map((p) => p.overlapped)).size).toBe(N)
    expect(got.every((p) => p.error === WSA_OPERATION_ABORTED && p.bytes === 0)).toBe(true)
    // Each on its own connection's key: 100 per connection. (Their order among themselves is not
    // specified for a close; both engines complete a closed socket's queue newest first.)
    const perKey = new Map<number, number>()
    for (const p of got) perKey.set(p.key, (perKey.get(p.key) ?? 0) + 1)
    expect([...perKey.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect([...perKey.values()].every((n) => n === 100)).toBe(true)
    const index = new Map(ovs.map((ov, i) => [ov, i]))
    expect(got.every((p) => index.get(p.overlapped!)! % 100 === p.key)).toBe(true)
    expect(await port.getQueuedCompletionStatus(0)).toBeNull()
    expect(pendingOperations()).toBe(base)
  })

  it('10k acceptEx on one listener, each with its own accept socket, cancelled by closing the listener', async () => {
    const base = pendingOperations()
    const port = newPort()
    const server = listener(4)
    port.associate(server, 1)
    const accepts: Socket[] = []
    const ovs: Overlapped[] = []
    try {
      for (let i = 0; i < N; i++) {
        const s = Socket.tcp()
        accepts.push(s)
        const ov = new Overlapped()
        ovs.push(ov)
        acceptEx(server, s, ov)
      }
      expect(pendingOperations()).toBe(base + N)
      // Give the engine a turn to hand them all to the kernel.
      await delay(20)
      server.close()
      const got = await packets(port, N, 15_000)
      expect(new Set(got.map((p) => p.overlapped)).size).toBe(N)
      expect(got.every((p) => p.error === WSA_OPERATION_ABORTED && p.key === 1)).toBe(true)
      expect(ovs.every((ov) => !ov.pending && ov.error?.code === 'ECANCELED')).toBe(true)
      expect(pendingOperations()).toBe(base)
      // The accept sockets were never touched.
      expect(accepts.every((s) => !s.closed)).toBe(true)
    } finally {
      for (const s of accepts) s.close()
    }
  })

  it('10k receives with completion routines, cancelled by closing: 10k routines run with WSA_OPERATION_ABORTED', async () => {
    const base = pendingOperations()
    const pairs: Pair[] = []
    for (let i = 0; i < 50; i++) pairs.push(await pair(4))
    let calls = 0
    let wrong = 0
    const routine: CompletionRoutine = (error, n) => {
      calls++
      if (error !== WSA_OPERATION_ABORTED || n !== 0) wrong++
    }
    for (let i = 0; i < N; i++) recvOverlapped(pairs[i % 50]!.peer, new Uint8Array(4), new Overlapped(), routine)
    for (const p of pairs) p.peer.close()
    await until(() => pendingOperations() === base, 'the cancellations', 15_000)
    expect(calls).toBe(0)
    expect(await within(sleepEx(WAIT_MS, true), 'sleepEx')).toBe(192)
    expect(calls).toBe(N)
    expect(wrong).toBe(0)
  })

  it('20k file reads started in one turn (more than the submission queue holds, completions overflowing the completion queue): all complete with the right bytes', async () => {
    // Nothing is reaped while the loop below runs: the engine must hand full submission queues to
    // the kernel while tens of thousands of completions pile up, without ever spinning.
    const M = 2 * N
    const dir = mkdtempSync(join(tmpdir(), 'wsm-sq-'))
    try {
      const path = join(dir, 'f')
      const data = random(4096)
      writeFileSync(path, data)
      const f = FileHandle.open(path, { read: true })
      try {
        const port = newPort()
        port.associate(f, 7)
        const bufs = Array.from({ length: M }, () => new Uint8Array(1))
        const ovs = bufs.map((buf, i) => {
          const ov = new Overlapped()
          readFileOverlapped(f, buf, i % data.length, ov)
          return ov
        })
        const got = await packets(port, M, 15_000)
        expect(new Set(got.map((p) => p.overlapped)).size).toBe(M)
        expect(got.filter((p) => p.error !== 0 || p.bytes !== 1).map((p) => p.cause?.code ?? p.bytes)).toEqual([])
        expect(bufs.every((b, i) => b[0] === data[i % data.length])).toBe(true)
        expect(ovs.every((ov) => !ov.pending)).toBe(true)
      } finally {
        f.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 30_000)

  it('10k receives in flight when their port is closed: every Overlapped completes with ECANCELED', async () => {
    const base = pendingOperations()
    const port = newPort()
    const pairs: Pair[] = []
    for (let i = 0; i < 100; i++) {
      const p = await pair(4)
      port.associate(p.peer, i)
      pairs.push(p)
    }
    const ovs = Array.from({ length: N }, () => new Overlapped())
    ovs.forEach((ov, i) => recvOverlapped(pairs[i % 100]!.peer, new Uint8Array(i % 3), ov))
    const waiter = port.getQueuedCompletionStatusEx(100)
    port.close()
    await expectRejectsWsm(waiter, 'ECANCELED')
    await until(() => pendingOperations() === base, 'the cancellations', 15_000)
    expect(ovs.filter((ov) => ov.pending || ov.error?.code !== 'ECANCELED')).toHaveLength(0)
    // The connections are intact: data sent now is received whole.
    const p = pairs[42]!
    p.client.send(bytes('intact'))
    const buf = new Uint8Array(8)
    const ov = new Overlapped()
    recvOverlapped(p.peer, buf, ov)
    expect(await outcome(p.peer, ov)).toMatchObject({ bytes: 6, code: null })
    expect(text(buf, 6)).toBe('intact')
  })
})
