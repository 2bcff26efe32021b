// shutdown() as Windows answers it, from Wine 10.17's dlls/ws2_32/tests/sock.c (test_shutdown),
// in our words: a call in a direction shut down fails with WSAESHUTDOWN (every time; shutting
// down twice is no error, and the other direction still works); a socket without a connection
// (new, bound, listening) cannot be shut down (WSAENOTCONN) and the refused call leaves it as it
// was; a receive already pending still gets the data that comes after shutdown('receive');
// getpeername and getsockname still name both ends once both sides shut down. Linux differs:
// EPIPE and 0, a listener that stops listening, a never-connected socket marked shut for when it
// connects, and ENOTCONN from getpeername.
import { describe, expect, it } from 'vitest'
import { Overlapped, recvOverlapped, sendOverlapped } from '../../lib/index.js'
import { untilDone } from '../helpers/overlapped.js'
import { LOOPBACK, bytes, eventually, listener, pair, recvExactly, recvUntilClosed, tcp, text, useSocketCleanup, track } from '../helpers/sockets.js'
import { delay } from '../helpers/time.js'
import { WSAEISCONN, WSAENOTCONN, WSAESHUTDOWN, expectWinsockError } from './winsock-errors.js'

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

describe('test_shutdown: a connection shut down step by step', () => {
  it("shutdown('send') twice succeeds; the peer reads the end of the stream, again and again", async () => {
    const { client, peer } = await pair()
    client.shutdown('send')
    client.shutdown('send')
    expect(await recvUntilClosed(peer)).toBe(0)
    expect(peer.recv(new Uint8Array(8))).toBe(0)
  })

  it("after shutdown('receive') the socket still sends, and every recv fails with WSAESHUTDOWN", async () => {
    const { client, peer } = await pair()
    peer.shutdown('receive')
    for (let i = 0; i < 2; i++) expectWinsockError(() => peer.recv(new Uint8Array(8)), 'ESHUTDOWN', WSAESHUTDOWN, 'recv')
    expect(peer.send(bytes('test'))).toBe(4)
    expect(text(await recvExactly(client, 4), 4)).toBe('test')
  })

  it("shutdown('both'): recv and send fail with WSAESHUTDOWN, the peer reads the end and may shut down both too", async () => {
    const { client, peer } = await pair()
    client.shutdown('both')
    expectWinsockError(() => client.recv(new Uint8Array(8)), 'ESHUTDOWN', WSAESHUTDOWN, 'recv')
    expectWinsockError(() => client.send(bytes('x')), 'ESHUTDOWN', WSAESHUTDOWN, 'send')
    expect(await recvUntilClosed(peer)).toBe(0)
    peer.shutdown('both')
    expectWinsockError(() => peer.recv(new Uint8Array(8)), 'ESHUTDOWN', WSAESHUTDOWN, 'recv')
    expectWinsockError(() => peer.send(bytes('x')), 'ESHUTDOWN', WSAESHUTDOWN, 'send')
  })

  it('connect on a connection shut down both ways is WSAEISCONN', async () => {
    const { server, client, peer } = await pair()
    client.shutdown('both')
    peer.shutdown('both')
    expectWinsockError(() => client.connect(server.localPort, LOOPBACK[4]), 'EISCONN', WSAEISCONN, 'connect')
  })

  it("a WSARecv pending when shutdown('receive') is called still gets the data that comes; a new one is WSAESHUTDOWN", async () => {
    const { client, peer } = await pair()
    const buf = new Uint8Array(8)
    const ov = new Overlapped()
    recvOverlapped(client, buf, ov)
    client.shutdown('receive')
    expectWinsockError(() => client.recv(new Uint8Array(8)), 'ESHUTDOWN', WSAESHUTDOWN, 'recv')
    peer.send(bytes('test'))
    await untilDone(ov, 'the pending WSARecv')
    expect({ error: ov.error, data: text(buf, ov.bytes) }).toEqual({ error: null, data: 'test' })
    expectWinsockError(() => recvOverlapped(client, buf, new Overlapped()), 'ESHUTDOWN', WSAESHUTDOWN, 'WSARecv')
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
  ] as const)("shutdown on a %s socket fails with WSAENOTCONN in each direction and does not take effect once it connects", async (_, make) => {
    const s = make()
    for (const how of ['send', 'receive', 'both'] as const) expectWinsockError(() => s.shutdown(how), 'ENOTCONN', WSAENOTCONN, 'shutdown', how)
    const server = listener()
    s.connect(server.localPort, LOOPBACK[4])
    const peer = track(await eventually(() => server.accept(), 'accept'))
    await eventually(() => s.send(bytes('ping')), 'the connection') // not ESHUTDOWN
    expect(text(await recvExactly(peer, 4), 4)).toBe('ping')
    peer.send(bytes('pong'))
    expect(text(await recvExactly(s, 4), 4)).toBe('pong')
  })
})

describe('test_shutdown: getpeername and getsockname after both sides shut down', () => {
  it("both ends still name their peer and themselves (shutdown('send') each way)", async () => {
    const { client, peer } = await pair()
    const expected = { client: [peer.address(), client.address()], peer: [client.address(), peer.address()] }
    client.shutdown('send')
    expect(await recvUntilClosed(peer)).toBe(0)
    peer.shutdown('send')
    expect(await recvUntilClosed(client)).toBe(0)
    expect({ client: [client.remote(), client.address()], peer: [peer.remote(), peer.address()] }).toEqual(expected)
  })

  it("the same after shutdown('both') on each end", async () => {
    const { client, peer } = await pair()
    const expected = { client: [peer.address(), client.address()], peer: [client.address(), peer.address()] }
    client.shutdown('both')
    expect(await recvUntilClosed(peer)).toBe(0)
    peer.shutdown('both')
    await delay(20) // the FINs and their acknowledgements cross: both kernel sockets end up closed
    expect({ client: [client.remote(), client.address()], peer: [peer.remote(), peer.address()] }).toEqual(expected)
  })
})
