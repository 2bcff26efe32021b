// ioctlsocket(FIONREAD), from Wine 10.17's dlls/ws2_32/tests/sock.c (test_fionread_siocatmark,
// test_unsupported_ioctls, test_fionbio), in our words: the bytes queued for recv, 0 on a socket
// that has none (new, bound, or listening: Linux's ioctl fails on a listener with EINVAL), and
// WSAEOPNOTSUPP for a command Windows does not support.
import { describe, expect, it } from 'vitest'
import { FIONREAD } from '../../lib/index.js'
import { expectTypeError, expectWsmError } from '../helpers/errors.js'
import { LOOPBACK, bytes, eventually, listener, pair, recvExactly, tcp, useSocketCleanup } from '../helpers/sockets.js'

useSocketCleanup()

describe('test_fionread_siocatmark: FIONREAD', () => {
  it('is 0 on a new socket, a bound one and a listening one', () => {
    const s = tcp()
    expect(s.ioctlSocket(FIONREAD)).toBe(0)
    s.bind(0, LOOPBACK[4])
    expect(s.ioctlSocket(FIONREAD)).toBe(0)
    expect(listener().ioctlSocket(FIONREAD)).toBe(0)
  })

  it('counts the bytes queued, and what recv leaves', async () => {
    const { client, peer } = await pair()
    expect(peer.ioctlSocket(FIONREAD)).toBe(0)
    client.send(bytes('hello'))
    await eventually(() => peer.ioctlSocket(FIONREAD) === 5, 'five bytes queued')
    expect(new TextDecoder().decode(await recvExactly(peer, 2))).toBe('he')
    expect(peer.ioctlSocket(FIONREAD)).toBe(3)
    client.send(bytes('!!'))
    await eventually(() => peer.ioctlSocket(FIONREAD) === 5, 'two more bytes queued')
  })

  it('is 0 after the peer closed and everything was read', async () => {
    const { client, peer } = await pair()
    client.send(bytes('abc'))
    client.close()
    await recvExactly(peer, 3)
    expect(peer.ioctlSocket(FIONREAD)).toBe(0)
  })
})

describe('test_unsupported_ioctls and test_fionbio: other commands', () => {
  it.each([
    ['0xdeadbeef', 0xdeadbeef],
    ['FIOASYNC', 0x8004667d],
    ['0x667e', 0x667e],
    ['SIO_FLUSH', 0x28000004],
  ])('%s is not supported (WSAEOPNOTSUPP)', (_, command) => {
    expect(expectWsmError(() => tcp().ioctlSocket(command), 'ENOTSUP').wsaCode).toBe(10045)
  })

  it('FIONBIO is EINVAL (WSAEINVAL, as leaving non-blocking mode under WSAEventSelect): the socket is always non-blocking', () => {
    expect(expectWsmError(() => tcp().ioctlSocket(0x8004667e /* FIONBIO */), 'EINVAL').wsaCode).toBe(10022)
  })

  it('a command that is not a number is a TypeError', () => {
    const s = tcp()
    expectTypeError(() => s.ioctlSocket('FIONREAD' as never))
    expectTypeError(() => s.ioctlSocket(undefined as never))
  })

  it('a closed socket is EBADF', () => {
    const s = tcp()
    s.close()
    expectWsmError(() => s.ioctlSocket(FIONREAD), 'EBADF')
  })
})
