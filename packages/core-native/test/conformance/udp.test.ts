// UDP sockets as Windows runs them, from Wine's dlls/ws2_32/tests/sock.c (test_UDP, test_WSASendTo,
// test_sendto, test_connect_udp, test_bind, test_listen, test_accept, test_shutdown, test_icmp) and
// Microsoft's recvfrom/sendto documentation where Wine's tests are silent, in our words: one call
// moves one whole datagram; a datagram larger than the buffer fills it and fails with WSAEMSGSIZE,
// the rest lost; an empty datagram is a datagram; receiving on a socket never bound is WSAEINVAL;
// the connection calls (listen, accept, AcceptEx, ConnectEx) are WSAEOPNOTSUPP (code ENOTSUP, Linux's
// name for the same number).
import { describe, expect, it } from 'vitest'
import { MSG_OOB, MSG_PEEK, Overlapped, Socket, acceptEx, connectEx } from '../../lib/index.js'
import { boundUdp, nextDatagram, udp } from '../helpers/datagrams.js'
import { expectTypeError, expectWsmError } from '../helpers/errors.js'
import { FAMILIES, LOOPBACK, bytes, eventually, listener, pair, text, useSocketCleanup } from '../helpers/sockets.js'
import {
  WSAEADDRINUSE,
  WSAEADDRNOTAVAIL,
  WSAECONNRESET,
  WSAEINVAL,
  WSAEMSGSIZE,
  WSAENOTCONN,
  WSAEOPNOTSUPP,
  WSAESHUTDOWN,
  WSAEWOULDBLOCK,
  expectWinsockError,
} from './winsock-errors.js'

useSocketCleanup()

describe.each(FAMILIES)('test_UDP: sendto and recvfrom (IPv%i)', (family) => {
  it('every peer sends to one receiver, which learns each sender from recvfrom', async () => {
    const receiver = boundUdp(family)
    const senders = [udp(family), udp(family), udp(family)]
    for (const [i, s] of senders.entries()) {
      expect(s.sendTo(bytes(`peer ${i}`), receiver.localPort, LOOPBACK[family])).toBe(6)
    }
    const got = new Map<number, string>()
    for (let i = 0; i < senders.length; i++) {
      const d = await nextDatagram(receiver)
      expect({ address: d.address, family: d.family }).toEqual({ address: LOOPBACK[family], family })
      got.set(d.port, text(d.data, d.bytes))
    }
    // sendto bound each sender to an ephemeral port, which getsockname names.
    for (const [i, s] of senders.entries()) expect(got.get(s.localPort)).toBe(`peer ${i}`)
  })

  it('keeps the datagrams apart: one receive takes one datagram, however large the buffer', async () => {
    const receiver = boundUdp(family)
    const sender = udp(family)
    sender.sendTo(bytes('first'), receiver.localPort, LOOPBACK[family])
    sender.sendTo(bytes('second'), receiver.localPort, LOOPBACK[family])
    expect(text((await nextDatagram(receiver, 65536)).data, 5)).toBe('first')
    expect(text((await nextDatagram(receiver, 65536)).data, 6)).toBe('second')
  })
})

describe('test_WSASendTo, test_sendto: sending', () => {
  it('an empty datagram is sent and received as one: 0 bytes, from its sender', async () => {
    const receiver = boundUdp()
    const sender = udp()
    expect(sender.sendTo(new Uint8Array(0), receiver.localPort, LOOPBACK[4])).toBe(0)
    sender.sendTo(bytes('after'), receiver.localPort, LOOPBACK[4])
    const empty = await nextDatagram(receiver)
    expect({ bytes: empty.bytes, port: empty.port }).toEqual({ bytes: 0, port: sender.localPort })
    expect(text((await nextDatagram(receiver)).data, 5)).toBe('after')
  })

  it('to port 0 or to the wildcard address fails with WSAEADDRNOTAVAIL', () => {
    const s = udp()
    expectWinsockError(() => s.sendTo(bytes('x'), 0, LOOPBACK[4]), 'EADDRNOTAVAIL', WSAEADDRNOTAVAIL, 'sendto')
    expectWinsockError(() => s.sendTo(bytes('x'), 9, '0.0.0.0'), 'EADDRNOTAVAIL', WSAEADDRNOTAVAIL, 'sendto')
    expectWinsockError(() => udp(6).sendTo(bytes('x'), 9, '::'), 'EADDRNOTAVAIL', WSAEADDRNOTAVAIL, 'sendto')
  })

  it('a datagram larger than UDP carries fails with WSAEMSGSIZE, and nothing is sent', async () => {
    const receiver = boundUdp()
    const sender = udp()
    expectWinsockError(() => sender.sendTo(new Uint8Array(70000), receiver.localPort, LOOPBACK[4]), 'EMSGSIZE', WSAEMSGSIZE, 'sendto')
    sender.sendTo(bytes('small'), receiver.localPort, LOOPBACK[4])
    expect((await nextDatagram(receiver)).bytes).toBe(5)
  })

  it('send on a socket with no default peer fails with WSAENOTCONN', () => {
    expectWinsockError(() => udp().send(bytes('x')), 'ENOTCONN', WSAENOTCONN, 'send')
    expectWinsockError(() => boundUdp().send(bytes('x')), 'ENOTCONN', WSAENOTCONN, 'send')
  })
})

describe('recvfrom (Microsoft: "the socket has not been bound", WSAEMSGSIZE)', () => {
  it('on a socket never bound fails with WSAEINVAL; bound and empty, WSAEWOULDBLOCK', () => {
    const s = udp()
    expectWinsockError(() => s.recvFrom(new Uint8Array(8)), 'EINVAL', WSAEINVAL, 'recvfrom')
    expectWinsockError(() => s.recv(new Uint8Array(8)), 'EINVAL', WSAEINVAL, 'recv')
    s.bind(0, LOOPBACK[4])
    expectWinsockError(() => s.recvFrom(new Uint8Array(8)), 'EWOULDBLOCK', WSAEWOULDBLOCK, 'recvfrom')
  })

  it('a datagram larger than the buffer fills it and fails with WSAEMSGSIZE; the rest is lost', async () => {
    const receiver = boundUdp()
    const sender = udp()
    sender.sendTo(bytes('0123456789'), receiver.localPort, LOOPBACK[4])
    sender.sendTo(bytes('next'), receiver.localPort, LOOPBACK[4])
    const small = new Uint8Array(4)
    await eventually(() => {
      try {
        return receiver.recvFrom(small) && false
      } catch (e) {
        if ((e as { code?: string }).code === 'EWOULDBLOCK') return false
        return e
      }
    }, 'the datagram').then((e) => {
      expect(e).toMatchObject({ code: 'EMSGSIZE', wsaCode: WSAEMSGSIZE, syscall: 'recvfrom' })
    })
    expect(text(small, 4)).toBe('0123')
    const next = await nextDatagram(receiver)
    expect(text(next.data, next.bytes)).toBe('next')
  })

  it('an empty buffer takes a waiting datagram and fails with WSAEMSGSIZE (an empty one fits)', async () => {
    const receiver = boundUdp()
    const sender = udp()
    sender.sendTo(bytes('x'), receiver.localPort, LOOPBACK[4])
    sender.sendTo(new Uint8Array(0), receiver.localPort, LOOPBACK[4])
    await eventually(() => receiver.ioctlSocket(0x4004667f) > 0, 'the datagram')
    expectWinsockError(() => receiver.recvFrom(new Uint8Array(0)), 'EMSGSIZE', WSAEMSGSIZE, 'recvfrom')
    expect((await nextDatagram(receiver, 0)).bytes).toBe(0)
  })
})

describe('test_connect_udp: connect names the default peer', () => {
  it('send and recv then go to and come from the peer only', async () => {
    const a = boundUdp()
    const b = boundUdp()
    const stranger = udp()
    a.connect(b.localPort, LOOPBACK[4])
    expect(a.remote()).toEqual({ address: LOOPBACK[4], port: b.localPort, family: 4 })
    expect(a.send(bytes('to b'))).toBe(4)
    const got = await nextDatagram(b)
    expect({ text: text(got.data, got.bytes), port: got.port }).toEqual({ text: 'to b', port: a.localPort })
    stranger.sendTo(bytes('ignored'), a.localPort, LOOPBACK[4])
    b.sendTo(bytes('from b'), a.localPort, LOOPBACK[4])
    const buf = new Uint8Array(16)
    expect(text(buf, await eventually(() => a.recv(buf), 'a datagram from b'))).toBe('from b')
  })

  it('a second connect replaces the peer', async () => {
    const a = udp()
    const b = boundUdp()
    const c = boundUdp()
    a.connect(b.localPort, LOOPBACK[4])
    a.connect(c.localPort, LOOPBACK[4])
    a.send(bytes('to c'))
    expect((await nextDatagram(c)).bytes).toBe(4)
    expectWsmError(() => b.recvFrom(new Uint8Array(8)), 'EWOULDBLOCK')
  })
})

describe('test_icmp: a datagram to a port nobody has', () => {
  it('on a connected socket, a later recv fails with WSAECONNRESET (Linux: ECONNREFUSED)', async () => {
    const gone = boundUdp()
    const port = gone.localPort
    gone.close()
    const s = udp()
    s.connect(port, LOOPBACK[4])
    s.send(bytes('anyone?'))
    const e = await eventually(() => {
      try {
        return s.recv(new Uint8Array(8)) && false
      } catch (err) {
        if ((err as { code?: string }).code === 'EWOULDBLOCK') return false
        return err
      }
    }, 'the port unreachable')
    expect(e).toMatchObject({ code: 'ECONNRESET', wsaCode: WSAECONNRESET, syscall: 'recv' })
  })

  it('on an unconnected socket, Linux reports nothing (Windows: WSAECONNRESET): pinned', async () => {
    const gone = boundUdp()
    const port = gone.localPort
    gone.close()
    const s = udp()
    s.sendTo(bytes('anyone?'), port, LOOPBACK[4])
    // The port unreachable comes back over loopback at once; give it the time a connected socket needs.
    await new Promise((resolve) => setTimeout(resolve, 50))
    expectWinsockError(() => s.recvFrom(new Uint8Array(8)), 'EWOULDBLOCK', WSAEWOULDBLOCK, 'recvfrom')
  })
})

describe('test_bind: one UDP socket per address', () => {
  it('a second bind to a port a UDP socket holds fails with WSAEADDRINUSE', () => {
    const first = boundUdp()
    expectWinsockError(() => udp().bind(first.localPort, LOOPBACK[4]), 'EADDRINUSE', WSAEADDRINUSE, 'bind')
  })
})

describe('test_listen, test_accept: no connections on a UDP socket', () => {
  it('listen, accept, AcceptEx and ConnectEx fail with WSAEOPNOTSUPP', () => {
    const s = boundUdp()
    expectWinsockError(() => s.listen(), 'ENOTSUP', WSAEOPNOTSUPP, 'listen')
    expectWinsockError(() => s.accept(), 'ENOTSUP', WSAEOPNOTSUPP, 'accept')
    expectWinsockError(() => acceptEx(listener(), udp(), new Overlapped()), 'ENOTSUP', WSAEOPNOTSUPP, 'AcceptEx')
    expectWinsockError(() => connectEx(udp(), 9, LOOPBACK[4], new Overlapped()), 'ENOTSUP', WSAEOPNOTSUPP, 'ConnectEx')
  })
})

describe('test_shutdown: a UDP socket needs no connection to be shut down', () => {
  it("shutdown succeeds unconnected; then sendto fails with WSAESHUTDOWN after 'send', recvfrom after 'receive'", () => {
    const s = boundUdp()
    s.shutdown('send')
    expectWinsockError(() => s.sendTo(bytes('x'), 9, LOOPBACK[4]), 'ESHUTDOWN', WSAESHUTDOWN, 'sendto')
    const r = boundUdp()
    r.shutdown('receive')
    expectWinsockError(() => r.recvFrom(new Uint8Array(8)), 'ESHUTDOWN', WSAESHUTDOWN, 'recvfrom')
  })
})

describe('recv and send flags on a UDP socket (Microsoft\'s recv/send pages)', () => {
  it('MSG_PEEK leaves the datagram queued; MSG_OOB is WSAEOPNOTSUPP, a socket that is not stream-style', async () => {
    const receiver = boundUdp()
    const sender = udp()
    sender.connect(receiver.localPort, LOOPBACK[4])
    expect(sender.send(bytes('peeked'))).toBe(6)
    const buf = new Uint8Array(16)
    expect(await eventually(() => receiver.recv(buf, MSG_PEEK), 'the datagram')).toBe(6)
    expect(receiver.recv(buf)).toBe(6)
    expect(text(buf, 6)).toBe('peeked')
    expectWinsockError(() => receiver.recv(buf, MSG_OOB), 'ENOTSUP', WSAEOPNOTSUPP, 'recv')
    expectWinsockError(() => sender.send(bytes('x'), MSG_OOB), 'ENOTSUP', WSAEOPNOTSUPP, 'send')
  })
})

describe('test_tcp_sendto_recvfrom: sendto and recvfrom on a TCP socket', () => {
  it('are send and recv: the address given is ignored, the one reported the peer', async () => {
    const { client, peer } = await pair()
    expect(client.sendTo(bytes('tcp'), 9, LOOPBACK[4])).toBe(3)
    const buf = new Uint8Array(8)
    const got = await eventually(() => peer.recvFrom(buf), 'the bytes')
    expect({ bytes: got.bytes, port: got.port }).toEqual({ bytes: 3, port: client.localPort })
    expect(text(buf, 3)).toBe('tcp')
  })
})

describe('bad input', () => {
  it('arguments of the wrong type are TypeErrors; an address of the wrong family is EINVAL', () => {
    const s = udp()
    expectTypeError(() => Socket.udp(null as never))
    expectTypeError(() => s.sendTo('x' as never, 9))
    expectTypeError(() => s.sendTo(bytes('x'), '9' as never))
    expectTypeError(() => s.recvFrom(undefined as never))
    expectWsmError(() => s.sendTo(bytes('x'), 9, '::1'), 'EINVAL')
    expectWsmError(() => s.sendTo(bytes('x'), 9, 'not an address'), 'EINVAL')
    expect(() => s.sendTo(bytes('x'), 70000)).toThrow()
  })

  it('a closed socket is EBADF', () => {
    const s = udp()
    s.close()
    expectWsmError(() => s.sendTo(bytes('x'), 9), 'EBADF')
    expectWsmError(() => s.recvFrom(new Uint8Array(1)), 'EBADF')
  })
})
