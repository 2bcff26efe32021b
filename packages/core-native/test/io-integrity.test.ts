// Integrity through the completion port: 200 connections each echo 1 MiB of random bytes through
// a completion-port echo server (test/helpers/iocp-echo.ts); the clients are Node's own `net`
// sockets, an independent implementation. The sha256 of what each client sent, what the server
// received and what the client got back must all be equal.
import { createHash, randomBytes } from 'node:crypto'
import { connect, type Socket as NetSocket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { CompletionPort, Overlapped, Socket, connectEx, pendingOperations, recvOverlapped, sendOverlapped } from '../lib/index.js'
import { expectNoFdLeaks } from './helpers/fds.js'
import { startEchoServer, type EchoServer } from './helpers/iocp-echo.js'
import { untilNoPendingOperations } from './helpers/overlapped.js'
import { WAIT_MS, within } from './helpers/time.js'

const CONNECTIONS = 200
const BYTES = 1024 * 1024

let server: EchoServer | undefined

expectNoFdLeaks(async () => {
  await server?.close()
  await untilNoPendingOperations()
})

interface ClientResult {
  localPort: number
  sent: string
  received: string
  bytes: number
}

/** Sends `data` in uneven chunks, reads the echo until it is all back, then ends the connection. */
function client(port: number, data: Buffer): Promise<ClientResult> {
  return new Promise((resolve, reject) => {
    const sock: NetSocket = connect({ port, host: '127.0.0.1' })
    const hash = createHash('sha256')
    let got = 0
    let localPort = 0
    sock.on('error', reject)
    sock.on('connect', () => {
      localPort = sock.localPort!
      // Uneven writes, so that the server sees every kind of boundary.
      let at = 0
      let step = 1
      while (at < data.length) {
        const n = Math.min(data.length - at, step * 997)
        sock.write(data.subarray(at, at + n))
        at += n
        step = (step * 7) % 131 || 1
      }
    })
    sock.on('data', (chunk: Buffer) => {
      hash.update(chunk)
      got += chunk.length
      if (got >= data.length) sock.end()
    })
    sock.on('close', () => {
      resolve({
        localPort,
        sent: createHash('sha256').update(data).digest('hex'),
        received: hash.digest('hex'),
        bytes: got,
      })
    })
  })
}

describe('integrity through the completion port', () => {
  it(`${CONNECTIONS} connections each echo 1 MiB of random bytes: sha256 equal on both sides`, async () => {
    server = startEchoServer({ acceptsPosted: 64 })
    const payloads = Array.from({ length: CONNECTIONS }, () => randomBytes(BYTES))
    const results = await within(
      Promise.all(payloads.map((data) => client(server!.port, data))),
      'the echo clients',
      30_000,
    )
    // The server sees the client's close after the last echo; let it finish its bookkeeping.
    const deadline = Date.now() + 5000
    while ([...server.connections.values()].some((c) => c.end === null) || server.connections.size < CONNECTIONS) {
      if (Date.now() > deadline) break
      await new Promise((r) => setTimeout(r, 5))
    }
    expect(server.failures).toEqual([])
    expect(server.connections.size).toBe(CONNECTIONS)
    for (const r of results) {
      expect(r.bytes).toBe(BYTES)
      expect(r.received).toBe(r.sent)
      const seen = server.connections.get(r.localPort)
      expect(seen, `the server's record of client port ${r.localPort}`).toBeDefined()
      expect(seen!.bytes).toBe(BYTES)
      expect(seen!.end).toBe('eof')
      expect(seen!.sha256).toBe(r.sent)
    }
    await server.close()
    server = undefined
    await untilNoPendingOperations()
    expect(pendingOperations()).toBe(0)
  }, 40_000)
})

/**
 * Clients on the core too: ConnectEx, one WSASend of the whole payload as a four-buffer WSABUF
 * array, and receives into a two-buffer WSABUF array, all on a client completion port.
 */
async function coreClients(port: number, payloads: Buffer[], family: 4 | 6): Promise<ClientResult[]> {
  const cport = new CompletionPort()
  const host = family === 4 ? '127.0.0.1' : '::1'
  interface C {
    s: Socket
    data: Buffer
    hash: ReturnType<typeof createHash>
    got: number
    connect: Overlapped
    send: Overlapped
    recv: Overlapped
    bufs: [Uint8Array, Uint8Array]
    localPort: number
    done: boolean
  }
  const cs: C[] = payloads.map((data, key) => {
    const s = Socket.tcp({ family })
    cport.associate(s, key)
    const c: C = {
      s,
      data,
      hash: createHash('sha256'),
      got: 0,
      connect: new Overlapped(),
      send: new Overlapped(),
      recv: new Overlapped(),
      bufs: [new Uint8Array(3000), new Uint8Array(61 * 1024)],
      localPort: 0,
      done: false,
    }
    connectEx(s, port, host, c.connect)
    return c
  })
  let left = cs.length
  const deadline = Date.now() + 30_000
  try {
    while (left > 0) {
      if (Date.now() > deadline) throw new Error(`${left} core clients not done in time`)
      const batch = await within(cport.getQueuedCompletionStatusEx(256, WAIT_MS), 'client completions', WAIT_MS + 500)
      for (const p of batch) {
        const c = cs[p.key]!
        if (p.error) throw p.cause ?? new Error(`client ${p.key}: error ${p.error}`)
        if (p.overlapped === c.connect) {
          c.localPort = c.s.localPort
          const d = c.data
          const q = d.length >> 2
          sendOverlapped(c.s, [d.subarray(0, q), d.subarray(q, 2 * q + 5), d.subarray(2 * q + 5, 3 * q), d.subarray(3 * q)], c.send)
          recvOverlapped(c.s, c.bufs, c.recv)
        } else if (p.overlapped === c.send) {
          expect(p.bytes).toBe(c.data.length)
        } else if (p.overlapped === c.recv) {
          if (p.bytes === 0) {
            c.done = true
            c.s.close()
            left--
            continue
          }
          const first = Math.min(p.bytes, c.bufs[0].length)
          c.hash.update(c.bufs[0].subarray(0, first))
          if (p.bytes > first) c.hash.update(c.bufs[1].subarray(0, p.bytes - first))
          c.got += p.bytes
          if (c.got === c.data.length) c.s.shutdown('send')
          recvOverlapped(c.s, c.bufs, c.recv)
        }
      }
    }
  } finally {
    for (const c of cs) c.s.close()
    cport.close()
  }
  return cs.map((c) => ({
    localPort: c.localPort,
    sent: createHash('sha256').update(c.data).digest('hex'),
    received: c.hash.digest('hex'),
    bytes: c.got,
  }))
}

describe('integrity with the core on both ends', () => {
  it.each([4, 6] as const)('100 connections over IPv%i, clients on a completion port too: sha256 equal on both sides', async (family) => {
    server = startEchoServer({ family })
    const payloads = Array.from({ length: 100 }, () => randomBytes(BYTES))
    const results = await coreClients(server.port, payloads, family)
    const deadline = Date.now() + 5000
    while ([...server.connections.values()].some((c) => c.end === null) || server.connections.size < 100) {
      if (Date.now() > deadline) break
      await new Promise((r) => setTimeout(r, 5))
    }
    expect(server.failures).toEqual([])
    expect(server.connections.size).toBe(100)
    for (const r of results) {
      expect(r.bytes).toBe(BYTES)
      expect(r.received).toBe(r.sent)
      const seen = server.connections.get(r.localPort)!
      expect(seen.sha256).toBe(r.sent)
      expect(seen.end).toBe('eof')
    }
    await server.close()
    server = undefined
  }, 40_000)
})

describe('more receives with data at once than the engine has receive buffers', () => {
  it('1500 connections receive at the same moment: every receive completes with its own bytes', async () => {
    const N = 1500
    const listenerSocket = Socket.tcp()
    const accepted: Socket[] = []
    const clients: Socket[] = []
    const cport = new CompletionPort()
    try {
      listenerSocket.bind(0, '127.0.0.1')
      listenerSocket.listen(N)
      for (let i = 0; i < N; i++) {
        const c = Socket.tcp()
        clients.push(c)
        c.connect(listenerSocket.localPort, '127.0.0.1')
      }
      const deadline = Date.now() + 10_000
      while (accepted.length < N) {
        if (Date.now() > deadline) throw new Error(`accepted ${accepted.length} of ${N}`)
        const s = listenerSocket.accept()
        if (s) accepted.push(s)
        else await new Promise((r) => setTimeout(r, 1))
      }
      const byPort = new Map(clients.map((c, i) => [c.localPort, i]))
      const bufs = accepted.map(() => new Uint8Array(256))
      const ovs = accepted.map(() => new Overlapped())
      accepted.forEach((s, i) => {
        cport.associate(s, byPort.get(s.remotePort)!)
        recvOverlapped(s, bufs[i]!, ovs[i]!)
      })
      // Wait for the receives to be in the kernel, then make all of them complete at once.
      await new Promise((r) => setTimeout(r, 20))
      const message = (i: number): string => `message for connection ${i} `.padEnd(100, '.')
      clients.forEach((c, i) => expect(c.send(new TextEncoder().encode(message(i)))).toBe(100))
      const got = new Map<number, string>()
      const until = Date.now() + 10_000
      while (got.size < N) {
        if (Date.now() > until) throw new Error(`${got.size} of ${N} receives completed`)
        for (const p of await within(cport.getQueuedCompletionStatusEx(1024, WAIT_MS), 'receives', WAIT_MS + 500)) {
          expect(p.error).toBe(0)
          const i = ovs.indexOf(p.overlapped!)
          expect(got.has(p.key)).toBe(false)
          got.set(p.key, new TextDecoder().decode(bufs[i]!.subarray(0, p.bytes)))
        }
      }
      // A receive may take fewer bytes than were sent; the rest is still there. Check the prefix.
      for (const [key, s] of got) {
        expect(s.length).toBeGreaterThan(0)
        expect(message(key).startsWith(s)).toBe(true)
      }
    } finally {
      for (const s of [...accepted, ...clients, listenerSocket]) s.close()
      cport.close()
    }
  }, 30_000)
})
