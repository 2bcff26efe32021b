// connect, bind, listen and the calls before a connection exists, as Windows answers them, from
// Wine 10.17's dlls/ws2_32/tests/sock.c (test_listen, test_getsockname, test_connect,
// test_connecting_socket, test_empty_recv), in our words. Linux binds an unbound socket on listen
// and names it 0.0.0.0:0, calls a listener's connect EISCONN, gives recv and send while
// connecting EWOULDBLOCK (and a send before connect EPIPE), and has no peer while connecting.
import { describe, expect, it } from 'vitest'
import { FIONREAD, Overlapped, SOL_SOCKET, SO_ACCEPTCONN, connectEx } from '../../lib/index.js'
import { untilDone } from '../helpers/overlapped.js'
import { LOOPBACK, bytes, eventually, listener, pair, tcp, useSocketCleanup } from '../helpers/sockets.js'
import { WSAEALREADY, WSAEINVAL, WSAEISCONN, WSAENOPROTOOPT, WSAENOTCONN, WSAEWOULDBLOCK, expectWinsockError } from './winsock-errors.js'

useSocketCleanup()

/**
 * A socket whose connect stays under way: its listener (backlog 0) holds one connection it never
 * accepts, so Linux drops the second one's SYN and the handshake waits for a retransmission. The
 * socket is bound to the wildcard address first, as Wine's test does.
 */
function connecting() {
  const server = listener(4, 0)
  tcp().connect(server.localPort, LOOPBACK[4])
  const s = tcp()
  s.bind(0)
  s.connect(server.localPort, LOOPBACK[4])
  return { server, s }
}

/**
 * The same with ConnectEx: right after the call (the engine hands the connect to the kernel at the
 * end of the loop's turn, so the socket has not started connecting yet, and a fresh socket polls
 * as hung up with no error), or once the kernel has it.
 */
async function connectingEx(when: 'at once' | 'in the kernel') {
  const server = listener(4, 0)
  tcp().connect(server.localPort, LOOPBACK[4])
  const s = tcp()
  s.bind(0)
  connectEx(s, server.localPort, LOOPBACK[4], new Overlapped())
  if (when === 'in the kernel') await new Promise((resolve) => setTimeout(resolve, 20))
  return { server, s }
}

/** A socket connecting each way Wine's test_connecting_socket tries: connect(), then ConnectEx at both moments. */
async function* everyConnectingSocket() {
  yield { how: 'connect', ...connecting() }
  for (const when of ['at once', 'in the kernel'] as const) yield { how: `ConnectEx ${when}`, ...(await connectingEx(when)) }
}

describe('test_listen', () => {
  it('listen on an unbound socket fails with WSAEINVAL; once bound it listens', () => {
    const s = tcp()
    expectWinsockError(() => s.listen(), 'EINVAL', WSAEINVAL, 'listen')
    s.bind(0, LOOPBACK[4])
    s.listen()
    expect(s.accept()).toBeNull()
  })

  it('SO_ACCEPTCONN reads false until listen and true after; setting it is WSAENOPROTOOPT, either way', () => {
    const s = tcp()
    s.bind(0, LOOPBACK[4])
    expect(s.getSockOpt(SOL_SOCKET, SO_ACCEPTCONN)).toBe(false)
    for (const value of [true, false]) expectWinsockError(() => s.setSockOpt(SOL_SOCKET, SO_ACCEPTCONN as never, value), 'ENOPROTOOPT', WSAENOPROTOOPT, 'setsockopt')
    s.listen(0)
    s.listen()
    expect(s.getSockOpt(SOL_SOCKET, SO_ACCEPTCONN)).toBe(true)
    for (const value of [true, false]) expectWinsockError(() => s.setSockOpt(SOL_SOCKET, SO_ACCEPTCONN as never, value), 'ENOPROTOOPT', WSAENOPROTOOPT, 'setsockopt')
    expect(s.getSockOpt(SOL_SOCKET, SO_ACCEPTCONN)).toBe(true)
  })

  it('listen again on a listening socket succeeds (a new backlog), and it goes on accepting', async () => {
    const s = listener(4, 0)
    s.listen()
    tcp().connect(s.localPort, LOOPBACK[4])
    expect(await eventually(() => s.accept(), 'accept')).not.toBeNull()
  })
})

describe('test_getsockname', () => {
  it('an unbound socket has no name (WSAEINVAL); a bound one has its address', () => {
    const s = tcp()
    expectWinsockError(() => s.address(), 'EINVAL', WSAEINVAL, 'getsockname')
    expectWinsockError(() => s.localPort, 'EINVAL', WSAEINVAL, 'getsockname')
    s.bind(0, LOOPBACK[4])
    expect(s.address()).toMatchObject({ address: LOOPBACK[4], family: 4 })
    expect(s.localPort).toBeGreaterThan(0)
  })

  it('a socket bound to the wildcard address and port 0 names the wildcard and the port chosen', () => {
    const s = tcp()
    s.bind(0)
    expect(s.address()).toEqual({ address: '0.0.0.0', port: expect.any(Number), family: 4 })
    expect(s.localPort).toBeGreaterThan(0)
  })

  it('connect binds an unbound socket: it then has a name', async () => {
    const { client } = await pair()
    expect(client.address()).toMatchObject({ address: LOOPBACK[4], family: 4 })
    expect(client.localPort).toBeGreaterThan(0)
  })
})

describe('test_connect', () => {
  it('connect on a listening socket fails with WSAEINVAL', () => {
    const server = listener()
    const other = listener()
    expectWinsockError(() => server.connect(other.localPort, LOOPBACK[4]), 'EINVAL', WSAEINVAL, 'connect')
    expect(server.accept()).toBeNull() // still a listener
  })
})

describe('test_connecting_socket: while the connect is under way', () => {
  it('recv and send fail with WSAENOTCONN, not WSAEWOULDBLOCK (connect and ConnectEx)', async () => {
    for await (const { how, s } of everyConnectingSocket()) {
      expectWinsockError(() => s.recv(new Uint8Array(8)), 'ENOTCONN', WSAENOTCONN, 'recv', how)
      expectWinsockError(() => s.send(bytes('x')), 'ENOTCONN', WSAENOTCONN, 'send', how)
    }
  })

  it('getsockname names the bound socket, with its port (connect and ConnectEx)', async () => {
    for await (const { how, s } of everyConnectingSocket()) {
      expect(s.address(), how).toMatchObject({ family: 4, port: expect.any(Number) })
      expect(s.localPort, how).toBeGreaterThan(0)
    }
  })

  it('getpeername names the address being connected to after connect, but is WSAENOTCONN during a ConnectEx', async () => {
    const { server, s } = connecting()
    expect(s.remote()).toEqual({ address: LOOPBACK[4], port: server.localPort, family: 4 })
    for (const when of ['at once', 'in the kernel'] as const) {
      const viaConnectEx = await connectingEx(when)
      expectWinsockError(() => viaConnectEx.s.remote(), 'ENOTCONN', WSAENOTCONN, 'getpeername', when)
    }
  })

  it('once the ConnectEx completes, getpeername names the peer', async () => {
    const server = listener()
    const s = tcp()
    const ov = new Overlapped()
    connectEx(s, server.localPort, LOOPBACK[4], ov)
    await untilDone(ov, 'ConnectEx')
    expect(s.remote()).toEqual({ address: LOOPBACK[4], port: server.localPort, family: 4 })
  })
})

describe('test_connect: a second connect', () => {
  it('connect while a connect is under way is WSAEALREADY; while a ConnectEx is, WSAEINVAL', async () => {
    const { server, s } = connecting()
    expectWinsockError(() => s.connect(server.localPort, LOOPBACK[4]), 'EALREADY', WSAEALREADY, 'connect')
    for (const when of ['at once', 'in the kernel'] as const) {
      const viaConnectEx = await connectingEx(when)
      expectWinsockError(() => viaConnectEx.s.connect(viaConnectEx.server.localPort, LOOPBACK[4]), 'EINVAL', WSAEINVAL, 'connect', when)
    }
  })

  it('a ConnectEx while a connect or a ConnectEx is under way is WSAEINVAL (test_connecting_socket), nothing started', async () => {
    const { server, s } = connecting()
    const ov = new Overlapped()
    expectWinsockError(() => connectEx(s, server.localPort, LOOPBACK[4], ov), 'EINVAL', WSAEINVAL, 'ConnectEx', 'connect()')
    expect(ov.pending).toBe(false)
    for (const when of ['at once', 'in the kernel'] as const) {
      const viaConnectEx = await connectingEx(when)
      const again = new Overlapped()
      expectWinsockError(() => connectEx(viaConnectEx.s, viaConnectEx.server.localPort, LOOPBACK[4], again), 'EINVAL', WSAEINVAL, 'ConnectEx', when)
      expect(again.pending).toBe(false)
    }
  })

  it('connect on a connection a ConnectEx made is WSAEINVAL; on one connect() made, or an accepted one, WSAEISCONN', async () => {
    const server = listener()
    const viaConnectEx = tcp()
    const ov = new Overlapped()
    connectEx(viaConnectEx, server.localPort, LOOPBACK[4], ov)
    await untilDone(ov, 'ConnectEx')
    expectWinsockError(() => viaConnectEx.connect(server.localPort, LOOPBACK[4]), 'EINVAL', WSAEINVAL, 'connect')
    const { server: other, client, peer } = await pair()
    expectWinsockError(() => client.connect(other.localPort, LOOPBACK[4]), 'EISCONN', WSAEISCONN, 'connect', 'connect()')
    expectWinsockError(() => peer.connect(other.localPort, LOOPBACK[4]), 'EISCONN', WSAEISCONN, 'connect', 'accepted')
  })
})

describe('test_connect: before any connect', () => {
  it('send on a new socket fails with WSAENOTCONN (Linux: EPIPE), recv too', () => {
    const s = tcp()
    expectWinsockError(() => s.send(bytes('x')), 'ENOTCONN', WSAENOTCONN, 'send')
    expectWinsockError(() => s.recv(new Uint8Array(8)), 'ENOTCONN', WSAENOTCONN, 'recv')
  })
})

describe('test_empty_recv', () => {
  it('recv into an empty buffer returns 0 when data is waiting, and leaves the data queued', async () => {
    const { client, peer } = await pair()
    client.send(bytes('data'))
    await eventually(() => peer.ioctlSocket(FIONREAD) === 4, 'four bytes queued')
    expect(peer.recv(new Uint8Array(0))).toBe(0)
    expect(peer.recv(new Uint8Array(8))).toBe(4)
  })

  it('with nothing queued it would block (WSAEWOULDBLOCK), as a non-empty one does', async () => {
    const { peer } = await pair()
    expectWinsockError(() => peer.recv(new Uint8Array(0)), 'EWOULDBLOCK', WSAEWOULDBLOCK, 'recv')
  })
})
