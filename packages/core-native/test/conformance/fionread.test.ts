// ioctlsocket(FIONREAD), from Wine's dlls/ws2_32/tests/sock.c (test_fionread_siocatmark,
// test_ioctlsocket), in our words: the bytes queued for recv, 0 on a socket that has none,
// including a listening one (Linux's ioctl fails there with EINVAL; Windows answers 0).
import { describe, expect, it } from 'vitest'
import { FIONREAD } from '../../lib/index.js'
import { expectTypeError, expectWsmError } from '../helpers/errors.js'
import { bytes, eventually, listener, pair, recvExactly, tcp, useSocketCleanup } from '../helpers/sockets.js'

useSocketCleanup()

describe('test_fionread_siocatmark: FIONREAD', () => {
  it('is 0 on a new socket and on a listening one', () => {
    expect(tcp().ioctlSocket(FIONREAD)).toBe(0)
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

describe('test_ioctlsocket: bad input', () => {
  it('a command other than FIONREAD is EINVAL (WSAEINVAL); a non-number a TypeError', () => {
    const s = tcp()
    expect(expectWsmError(() => s.ioctlSocket(0x8004667e /* FIONBIO */), 'EINVAL').wsaCode).toBe(10022)
    expectTypeError(() => s.ioctlSocket('FIONREAD' as never))
    expectTypeError(() => s.ioctlSocket(undefined as never))
  })

  it('a closed socket is EBADF', () => {
    const s = tcp()
    s.close()
    expectWsmError(() => s.ioctlSocket(FIONREAD), 'EBADF')
  })
})
