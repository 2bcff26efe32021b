// Socket: the Winsock calls on real loopback connections, IPv4 and IPv6.
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { Socket, WsmError } from '../lib/index.js'
import { expectWsmError } from './helpers/errors.js'
import { expectNoFdLeaks } from './helpers/fds.js'
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
  recvUntilClosed,
  tcp,
  text,
  track,
  useSocketCleanup,
} from './helpers/sockets.js'

expectNoFdLeaks(closeAll)
useSocketCleanup()

describe.each(FAMILIES)('Socket over IPv%i', (family) => {
  const host = LOOPBACK[family]
  const wildcard = family === 4 ? '0.0.0.0' : '::'

  it('binds to a kernel-chosen port and reports its local address and family', () => {
    const s = tcp(family)
    expect(s.family).toBe(family)
    s.bind(0, host)
    expect(s.localPort).toBeGreaterThan(0)
    expect(s.localPort).toBeLessThanOrEqual(65535)
    expect(s.localAddress).toBe(host)
    expect(s.address()).toEqual({ address: host, port: s.localPort, family })
  })

  it('binds to the wildcard address when no host is given', () => {
    const s = tcp(family)
    s.bind(0)
    expect(s.localAddress).toBe(wildcard)
    expect(s.localPort).toBeGreaterThan(0)
  })

  it('accept() returns null when no connection is pending', () => {
    const server = listener(family)
    expect(server.accept()).toBeNull()
    expect(server.accept()).toBeNull()
  })

  it('connects, accepts, and both ends agree on addresses and ports', async () => {
    const { server, client, peer } = await pair(family)
    expect(peer).toBeInstanceOf(Socket)
    expect(peer.family).toBe(family)
    expect(client.remotePort).toBe(server.localPort)
    expect(client.remoteAddress).toBe(host)
    expect(peer.localPort).toBe(server.localPort)
    expect(peer.localAddress).toBe(host)
    expect(peer.remotePort).toBe(client.localPort)
    expect(peer.remoteAddress).toBe(client.localAddress)
    expect(client.remote()).toEqual({ address: host, port: server.localPort, family })
    expect(peer.remote()).toEqual(client.address())
    // Nothing else is queued.
    expect(server.accept()).toBeNull()
  })

  it('accepts several queued connections, each a distinct socket, then null', async () => {
    const server = listener(family)
    const clients = [tcp(family), tcp(family), tcp(family)]
    for (const c of clients) c.connect(server.localPort, host)
    const accepted: Socket[] = []
    while (accepted.length < clients.length) {
      accepted.push(track(await eventually(() => server.accept(), 'a queued connection')))
    }
    expect(new Set(accepted).size).toBe(3)
    expect(accepted.map((a) => a.remotePort).sort()).toEqual(clients.map((c) => c.localPort).sort())
    expect(server.accept()).toBeNull()
  })

  it('sends and receives bytes in both directions', async () => {
    const { client, peer } = await pair(family)
    expect(client.send(bytes('hello, server'))).toBe(13)
    expect(text(await recvExactly(peer, 13), 13)).toBe('hello, server')
    expect(peer.send(bytes('hello, client'))).toBe(13)
    expect(text(await recvExactly(client, 13), 13)).toBe('hello, client')
  })

  it('recv throws EWOULDBLOCK (WSAEWOULDBLOCK 10035, errno -11) when nothing is there', async () => {
    const { client, peer } = await pair(family)
    for (const s of [client, peer]) {
      const e = expectWsmError(() => s.recv(new Uint8Array(16)), 'EWOULDBLOCK')
      expect(e.wsaCode).toBe(10035)
      expect(e.errno).toBe(-11)
      expect(e.syscall).toBe('recv')
      expect(e.message).toContain('EWOULDBLOCK')
    }
  })

  it('recv returns 0 after the peer shuts down its sending side, and the other direction still works', async () => {
    const { client, peer } = await pair(family)
    client.send(bytes('last words'))
    client.shutdown('send')
    expect(await recvUntilClosed(peer)).toBe(10)
    expect(peer.recv(new Uint8Array(8))).toBe(0) // stays at 0
    // Half-close: the peer may still answer.
    expect(peer.send(bytes('ack'))).toBe(3)
    expect(text(await recvExactly(client, 3), 3)).toBe('ack')
    // A send after shutdown('send') fails (WSAESHUTDOWN: test/shutdown.test.ts), it does not kill the
    // process with SIGPIPE.
    expectWsmError(() => client.send(bytes('x')), 'ESHUTDOWN')
  })

  it('recv returns 0 after the peer closes', async () => {
    const { client, peer } = await pair(family)
    peer.send(bytes('bye'))
    peer.close()
    expect(await recvUntilClosed(client)).toBe(3)
  })

  it("shutdown('receive') refuses recv (ESHUTDOWN); shutdown('both') closes both directions", async () => {
    const { client, peer } = await pair(family)
    client.shutdown('receive')
    expectWsmError(() => client.recv(new Uint8Array(8)), 'ESHUTDOWN')
    expect(client.send(bytes('x'))).toBe(1) // the other direction still works
    expect(text(await recvExactly(peer, 1), 1)).toBe('x')
    peer.shutdown('both')
    expectWsmError(() => peer.send(bytes('x')), 'ESHUTDOWN')
    expectWsmError(() => peer.recv(new Uint8Array(8)), 'ESHUTDOWN')
  })

  it('send throws EWOULDBLOCK once the kernel buffers are full, and sends again after the peer reads', async () => {
    const { client, peer } = await pair(family)
    const chunk = new Uint8Array(randomBytes(256 * 1024))
    const pieces: Uint8Array[] = [] // what each send took: a prefix of the chunk
    let sent = 0
    let error: unknown
    for (let i = 0; i < 4096 && error === undefined; i++) {
      try {
        const n = client.send(chunk)
        pieces.push(chunk.subarray(0, n))
        sent += n
      } catch (e) {
        error = e
      }
    }
    expect(error).toBeInstanceOf(WsmError)
    expect(error).toMatchObject({ code: 'EWOULDBLOCK', wsaCode: 10035, syscall: 'send' })
    expect(sent).toBeGreaterThan(0)
    // Drain everything that was accepted; then there is room again.
    const got = await recvExactly(peer, sent)
    expect(Buffer.from(got).equals(Buffer.concat(pieces))).toBe(true)
    expect(await eventually(() => client.send(bytes('more')), 'room to send')).toBe(4)
  })

  it('a reset connection makes recv throw ECONNRESET (WSAECONNRESET 10054)', async () => {
    const { client, peer } = await pair(family)
    client.send(bytes('unread'))
    // One byte read proves the segment arrived; five stay unread, and closing a socket with unread
    // data aborts the connection (the kernel sends RST instead of FIN).
    await eventually(() => peer.recv(new Uint8Array(1)), 'data at the peer')
    peer.close()
    const e = await eventually(() => {
      try {
        return client.recv(new Uint8Array(16)) === 0 ? new Error('an orderly close instead of a reset') : null
      } catch (err) {
        if (err instanceof WsmError && err.code === 'EWOULDBLOCK') return null
        return err
      }
    }, 'the reset')
    expect(e).toBeInstanceOf(WsmError)
    expect(e).toMatchObject({ code: 'ECONNRESET', wsaCode: 10054, syscall: 'recv' })
  })

  it('setNoDelay and setKeepAlive apply to a connected socket', async () => {
    const { client, peer } = await pair(family)
    client.setNoDelay()
    client.setNoDelay(true)
    client.setNoDelay(false)
    peer.setKeepAlive(true)
    peer.setKeepAlive(true, 1000)
    peer.setKeepAlive(true, 1)
    peer.setKeepAlive(false)
    client.setKeepAlive()
    // Still a working connection.
    client.send(bytes('ok'))
    expect(text(await recvExactly(peer, 2), 2)).toBe('ok')
  })

  it('getError() is null on a healthy socket and ECONNREFUSED after a refused connect (kept, as on Windows)', async () => {
    const { client } = await pair(family)
    expect(client.getError()).toBeNull()

    const refused = tcp(family)
    refused.connect(closedPort(family), host)
    const err = await eventually(() => refused.getError(), 'the connect to fail')
    expect(err).toBeInstanceOf(WsmError)
    expect(err).toMatchObject({ code: 'ECONNREFUSED', wsaCode: 10061, errno: -111 })
    // Windows keeps a failed connect's SO_ERROR (test/conformance/select.test.ts).
    expect(refused.getError()).toMatchObject({ code: 'ECONNREFUSED' })
  })

  it('connect() defaults to localhost', async () => {
    const server = listener(family)
    const client = tcp(family)
    client.connect(server.localPort)
    track(await eventually(() => server.accept(), 'accept'))
    expect(client.remotePort).toBe(server.localPort)
    expect(client.remoteAddress).toBe(host)
  })

  it('connect() again reports EISCONN once connected, without anyone having looked at the socket', async () => {
    const server = listener(family)
    const client = tcp(family)
    client.connect(server.localPort, host)
    track(await eventually(() => server.accept(), 'accept'))
    // The listener had the connection queued, so the client is connected now, whether or not
    // anything has looked at it since connect() returned.
    expectWsmError(() => client.connect(server.localPort, host), 'EISCONN')
  })

  it('a second bind on the same port fails with EADDRINUSE (WSAEADDRINUSE 10048)', () => {
    const server = listener(family)
    const other = tcp(family)
    const e = expectWsmError(() => other.bind(server.localPort, host), 'EADDRINUSE')
    expect(e.wsaCode).toBe(10048)
    expect(e.syscall).toBe('bind')
  })

  it('recv and send work on subarrays, DataViews and views over a SharedArrayBuffer', async () => {
    const { client, peer } = await pair(family)
    const out = new Uint8Array([0, 0, 1, 2, 3, 4, 0, 0])
    expect(client.send(out.subarray(2, 6))).toBe(4)
    const into = new Uint8Array(10).fill(9)
    await eventually(() => peer.recv(into.subarray(3, 5)), 'data')
    expect([...into]).toEqual([9, 9, 9, 1, 2, 9, 9, 9, 9, 9])
    const dv = new DataView(new ArrayBuffer(8), 4, 2)
    expect(await eventually(() => peer.recv(dv as unknown as Uint8Array), 'data')).toBe(2)
    expect([...new Uint8Array(dv.buffer)]).toEqual([0, 0, 0, 0, 3, 4, 0, 0])

    const shared = new Uint8Array(new SharedArrayBuffer(4))
    shared.set([7, 8, 9, 10])
    expect(peer.send(shared)).toBe(4)
    const sharedIn = new Uint8Array(new SharedArrayBuffer(4))
    await eventually(() => client.recv(sharedIn), 'data')
    expect([...sharedIn]).toEqual([7, 8, 9, 10])
  })

  it('close() is idempotent and marks the socket closed', () => {
    const s = tcp(family)
    expect(s.closed).toBe(false)
    s.close()
    expect(s.closed).toBe(true)
    s.close()
    expect(s.closed).toBe(true)
  })
})

describe('families', () => {
  it('Socket.tcp() is IPv4 by default', () => {
    expect(track(Socket.tcp()).family).toBe(4)
    expect(track(Socket.tcp({})).family).toBe(4)
    expect(tcp(6).family).toBe(6)
  })

  it('an IPv6 listener does not take IPv4 connections (IPV6_V6ONLY)', () => {
    const v6 = listener(6)
    const v4 = tcp(4)
    // The same port on IPv4 is free: binding there succeeds.
    v4.bind(v6.localPort, LOOPBACK[4])
    expect(v4.localPort).toBe(v6.localPort)
  })
})
