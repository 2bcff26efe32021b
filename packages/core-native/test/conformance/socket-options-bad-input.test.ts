// setsockopt/getsockopt refusals, from Wine 10.17's dlls/ws2_32/tests/sock.c (test_set_getsockopt
// and test_extendedSocketOptions: an unknown level is WSAEINVAL; test_sockopt_validity, test_listen
// and test_WSASocket: an unknown option, or one that cannot be set, WSAENOPROTOOPT), plus our
// boundary rules: a value of the wrong type is a TypeError with a code, out of range EINVAL, and a
// refused call changes nothing.
import { describe, expect, it } from 'vitest'
import {
  IPPROTO_TCP,
  SOL_SOCKET,
  SO_ACCEPTCONN,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_RCVBUF,
  SO_SNDBUF,
  TCP_NODELAY,
} from '../../lib/index.js'
import { expectTypeError, expectWsmError } from '../helpers/errors.js'
import { tcp, useSocketCleanup } from '../helpers/sockets.js'

useSocketCleanup()

const SO_TYPE = 0x1008 // a Winsock option this API does not offer

describe('test_set_getsockopt: levels and names', () => {
  it.each([0xffffffff, 0x8000, 0x1234ffff, 0x8000ffff, 0x800, 0, -1, 1.5])('level %d is EINVAL (WSAEINVAL) for both calls', (level) => {
    const s = tcp()
    expect(expectWsmError(() => s.setSockOpt(level, SO_RCVBUF, 4096), 'EINVAL').wsaCode).toBe(10022)
    expectWsmError(() => s.getSockOpt(level, SO_RCVBUF), 'EINVAL')
  })

  it.each([
    ['SOL_SOCKET', SOL_SOCKET, SO_TYPE],
    ['SOL_SOCKET', SOL_SOCKET, 0xffffffff],
    ['SOL_SOCKET', SOL_SOCKET, -1],
    ['IPPROTO_TCP', IPPROTO_TCP, SO_KEEPALIVE], // a SOL_SOCKET option at the wrong level
  ] as const)('an unknown option at %s is ENOPROTOOPT (WSAENOPROTOOPT)', (_, level, name) => {
    const s = tcp()
    expect(expectWsmError(() => s.setSockOpt(level, name, true), 'ENOPROTOOPT').wsaCode).toBe(10042)
    expectWsmError(() => s.getSockOpt(level, name), 'ENOPROTOOPT')
  })

  it('a level or name that is not a number is a TypeError', () => {
    const s = tcp()
    expectTypeError(() => s.setSockOpt('SOL_SOCKET' as never, SO_RCVBUF, 1))
    expectTypeError(() => s.getSockOpt(SOL_SOCKET, undefined as never))
    expectTypeError(() => s.getSockOpt(BigInt(SOL_SOCKET) as never, SO_RCVBUF))
  })

  it('a closed socket is EBADF', () => {
    const s = tcp()
    s.close()
    expectWsmError(() => s.setSockOpt(IPPROTO_TCP, TCP_NODELAY, true), 'EBADF')
    expectWsmError(() => s.getSockOpt(SOL_SOCKET, SO_LINGER), 'EBADF')
    expectWsmError(() => s.getSockOpt(SOL_SOCKET, SO_ACCEPTCONN), 'EBADF')
  })
})

describe('values', () => {
  it('BOOL options take booleans only (no 0/1 coercion)', () => {
    const s = tcp()
    expectTypeError(() => s.setSockOpt(SOL_SOCKET, SO_KEEPALIVE, 1 as never))
    expectTypeError(() => s.setSockOpt(IPPROTO_TCP, TCP_NODELAY, 'yes' as never))
    expect(s.getSockOpt(IPPROTO_TCP, TCP_NODELAY)).toBe(false)
  })

  it('sizes are integers from 0 to 2^31 - 1: other numbers EINVAL, other types a TypeError', () => {
    const s = tcp()
    s.setSockOpt(SOL_SOCKET, SO_SNDBUF, 4096)
    for (const bad of [-1, 2 ** 31, 1.5, Number.NaN, Infinity]) expectWsmError(() => s.setSockOpt(SOL_SOCKET, SO_SNDBUF, bad), 'EINVAL')
    expectTypeError(() => s.setSockOpt(SOL_SOCKET, SO_SNDBUF, '4096' as never))
    expectTypeError(() => s.setSockOpt(SOL_SOCKET, SO_SNDBUF, { valueOf: () => 1 } as never))
    expect(s.getSockOpt(SOL_SOCKET, SO_SNDBUF)).toBe(4096)
  })

  it('SO_LINGER takes { onoff: boolean, linger: 0–65535 }', () => {
    const s = tcp()
    expectTypeError(() => s.setSockOpt(SOL_SOCKET, SO_LINGER, null as never))
    expectTypeError(() => s.setSockOpt(SOL_SOCKET, SO_LINGER, true as never))
    expectTypeError(() => s.setSockOpt(SOL_SOCKET, SO_LINGER, { onoff: 1, linger: 0 } as never))
    expectTypeError(() => s.setSockOpt(SOL_SOCKET, SO_LINGER, { onoff: true } as never))
    for (const bad of [-1, 65536, 0.5]) expectWsmError(() => s.setSockOpt(SOL_SOCKET, SO_LINGER, { onoff: true, linger: bad }), 'EINVAL')
    expect(s.getSockOpt(SOL_SOCKET, SO_LINGER)).toEqual({ onoff: false, linger: 0 })
  })
})
