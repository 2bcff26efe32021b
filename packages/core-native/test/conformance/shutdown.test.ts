// shutdown() as Windows answers it, from Wine's dlls/ws2_32/tests/sock.c (test_shutdown,
// test_getpeername), in our words: a call in a direction shut down fails with WSAESHUTDOWN; a
// socket without a connection (new, bound, listening) cannot be shut down (WSAENOTCONN) and the
// refused call leaves it as it was; getpeername still names the peer once both sides shut down.
// Linux differs on each: EPIPE and 0, a listener that stops listening, a never-connected socket
// marked shut for when it connects, and ENOTCONN from getpeername.
import { describe, expect, it } from 'vitest'
import { Overlapped, recvOverlapped, sendOverlapped } from '../../lib/index.js'
import { LOOPBACK, bytes, eventually, listener, pair, recvExactly, recvUntilClosed, tcp, text, useSocketCleanup, track } from '../helpers/sockets.js'
import { WSAENOTCONN, WSAESHUTDOWN, expectWinsockError } from './winsock-errors.js'

useSocketCleanup()

describe('test_shutdown: calls in a direction shut down', () => {
  it("send and WSASend after shutdown('send') fail with WSAESHUTDOWN", async () => {
    const { client } = await pair()
    client.shutdown('send')
    expectWinsockError(() => client.send(bytes('x')), 'ESHUTDOWN', WSAESHUTDOWN, 'send')
    expectWinsockError(() => sendOverlapped(client, bytes('x'), new Overlapped()), 'ESHUTDOWN', WSAESHUTDOWN, 'WSASend')
  })

  it("recv and WSARecv after shutdown('receive') fail with WSAESHUTDOWN, not 0", async () => {
    const { client } = await pair()
    client.shutdown('receive')
    expectWinsockError(() => client.recv(new Uint8Array(8)), 'ESHUTDOWN', WSAESHUTDOWN, 'recv')
    expectWinsockError(() => recvOverlapped(client, new Uint8Array(8), new Overlapped()), 'ESHUTDOWN', WSAESHUTDOWN, 'WSARecv')
  })
})

describe('test_shutdown: sockets without a connection', () => {
  it.each(['send', 'receive', 'both'] as const)(
    "shutdown('%s') on a listening socket fails with WSAENOTCONN, and it goes on accepting",
    async (how) => {
      const server = listener()
      expectWinsockError(() => server.shutdown(how), 'ENOTCONN', WSAENOTCONN, 'shutdown')
      tcp().connect(server.localPort, LOOPBACK[4])
      expect(track(await eventually(() => server.accept(), 'accept'))).not.toBeNull()
    },
  )

  it.each([
    ['new', () => tcp()],
    ['bound', () => {
      const s = tcp()
      s.bind(0, LOOPBACK[4])
      return s
    }],
  ] as const)("shutdown('both') on a %s socket fails with WSAENOTCONN and does not take effect once it connects", async (_, make) => {
    const s = make()
    expectWinsockError(() => s.shutdown('both'), 'ENOTCONN', WSAENOTCONN, 'shutdown')
    const server = listener()
    s.connect(server.localPort, LOOPBACK[4])
    const peer = track(await eventually(() => server.accept(), 'accept'))
    await eventually(() => s.send(bytes('ping')), 'the connection') // not ESHUTDOWN
    expect(text(await recvExactly(peer, 4), 4)).toBe('ping')
    peer.send(bytes('pong'))
    expect(text(await recvExactly(s, 4), 4)).toBe('pong')
  })
})

describe('test_getpeername: after both sides shut down', () => {
  it('both ends still name their peer', async () => {
    const { client, peer } = await pair()
    const expected = { client: peer.address(), peer: client.address() }
    client.shutdown('send')
    expect(await recvUntilClosed(peer)).toBe(0)
    peer.shutdown('send')
    expect(await recvUntilClosed(client)).toBe(0)
    expect({ client: client.remote(), peer: peer.remote() }).toEqual(expected)
  })
})
