// setsockopt/getsockopt round trips as Windows answers them, from Wine 10.17's
// dlls/ws2_32/tests/sock.c (test_set_getsockopt, test_accept_inheritance, test_reuseaddr), in our
// words: each option set reads back as set, BOOLs as booleans, sizes as the size given (not
// Linux's doubled figure), LINGER as a structure; an accepted connection reports its listener's.
import { describe, expect, it } from 'vitest'
import {
  IPPROTO_TCP,
  SOL_SOCKET,
  FIONREAD,
  SO_EXCLUSIVEADDRUSE,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_SNDBUF,
  TCP_NODELAY,
} from '../../lib/index.js'
import { expectWsmError } from '../helpers/errors.js'
import { LOOPBACK, eventually, listener, pair, tcp, track, useSocketCleanup } from '../helpers/sockets.js'

useSocketCleanup()

describe('test_set_getsockopt: sizes', () => {
  it.each([
    ['SO_RCVBUF', SO_RCVBUF],
    ['SO_SNDBUF', SO_SNDBUF],
  ] as const)('%s reads back the size set (4096, then 0), not the kernel doubled one', (_, name) => {
    const s = tcp()
    expect(s.getSockOpt(SOL_SOCKET, name)).toBeGreaterThan(0) // the kernel's default until one is set
    s.setSockOpt(SOL_SOCKET, name, 4096)
    expect(s.getSockOpt(SOL_SOCKET, name)).toBe(4096)
    s.setSockOpt(SOL_SOCKET, name, 0)
    expect(s.getSockOpt(SOL_SOCKET, name)).toBe(0)
  })

  it('a recv takes every queued byte in one call even with SO_RCVBUF 1024 (and the sender\'s SO_SNDBUF 0)', async () => {
    const { client, peer } = await pair()
    client.setSockOpt(SOL_SOCKET, SO_SNDBUF, 0)
    peer.setSockOpt(SOL_SOCKET, SO_RCVBUF, 1024)
    expect(client.send(new Uint8Array(4096))).toBe(4096)
    await eventually(() => peer.ioctlSocket(FIONREAD) === 4096, 'the 4096 bytes queued')
    expect(peer.recv(new Uint8Array(4096))).toBe(4096)
  })
})

describe('test_accept_inheritance', () => {
  it('an accepted connection reports the options set on its listener (it inherits them)', async () => {
    const server = tcp()
    server.setSockOpt(SOL_SOCKET, SO_REUSEADDR, true)
    server.setSockOpt(SOL_SOCKET, SO_KEEPALIVE, true)
    server.setSockOpt(IPPROTO_TCP, TCP_NODELAY, true)
    server.setSockOpt(SOL_SOCKET, SO_RCVBUF, 0x123)
    server.setSockOpt(SOL_SOCKET, SO_SNDBUF, 0x123)
    server.setSockOpt(SOL_SOCKET, SO_LINGER, { onoff: true, linger: 555 })
    server.bind(0, LOOPBACK[4])
    server.listen()
    const client = tcp()
    client.connect(server.localPort, LOOPBACK[4])
    const peer = track(await eventually(() => server.accept(), 'accept'))
    expect({
      reuseAddr: peer.getSockOpt(SOL_SOCKET, SO_REUSEADDR),
      keepAlive: peer.getSockOpt(SOL_SOCKET, SO_KEEPALIVE),
      noDelay: peer.getSockOpt(IPPROTO_TCP, TCP_NODELAY),
      rcvBuf: peer.getSockOpt(SOL_SOCKET, SO_RCVBUF),
      sndBuf: peer.getSockOpt(SOL_SOCKET, SO_SNDBUF),
      linger: peer.getSockOpt(SOL_SOCKET, SO_LINGER),
    }).toEqual({ reuseAddr: true, keepAlive: true, noDelay: true, rcvBuf: 0x123, sndBuf: 0x123, linger: { onoff: true, linger: 555 } })
  })
})

describe('test_set_getsockopt: BOOL options', () => {
  it.each([
    ['SO_KEEPALIVE', SOL_SOCKET, SO_KEEPALIVE],
    ['TCP_NODELAY', IPPROTO_TCP, TCP_NODELAY],
  ] as const)('%s starts off, and reads back true and false as set', async (_, level, name) => {
    const { client } = await pair()
    expect(client.getSockOpt(level, name)).toBe(false)
    client.setSockOpt(level, name, true)
    expect(client.getSockOpt(level, name)).toBe(true)
    client.setSockOpt(level, name, false)
    expect(client.getSockOpt(level, name)).toBe(false)
  })

  it('setNoDelay and setKeepAlive reach the kernel: getsockopt sees them', async () => {
    const { client } = await pair()
    client.setNoDelay(true)
    expect(client.getSockOpt(IPPROTO_TCP, TCP_NODELAY)).toBe(true)
    client.setNoDelay(false)
    expect(client.getSockOpt(IPPROTO_TCP, TCP_NODELAY)).toBe(false)
    client.setKeepAlive(true, 30_000)
    expect(client.getSockOpt(SOL_SOCKET, SO_KEEPALIVE)).toBe(true)
    client.setKeepAlive(false)
    expect(client.getSockOpt(SOL_SOCKET, SO_KEEPALIVE)).toBe(false)
  })
})

describe('test_set_getsockopt: SO_LINGER', () => {
  // Wine's linger_testvals: l_onoff reads back as on or off, l_linger as set while on.
  it.each([
    [false, 0],
    [false, 73],
    [true, 0],
    [true, 189],
  ])('{ onoff: %s, linger: %i } reads back as set', (onoff, linger) => {
    const s = tcp()
    s.setSockOpt(SOL_SOCKET, SO_LINGER, { onoff, linger })
    expect(s.getSockOpt(SOL_SOCKET, SO_LINGER)).toEqual({ onoff, linger })
  })

  it('starts off', () => {
    expect(tcp().getSockOpt(SOL_SOCKET, SO_LINGER)).toEqual({ onoff: false, linger: 0 })
  })
})

describe('test_so_reuseaddr: SO_EXCLUSIVEADDRUSE', () => {
  it('no other socket can bind the address of a socket that set it, even one that is only bound', () => {
    const holder = tcp()
    holder.setSockOpt(SOL_SOCKET, SO_EXCLUSIVEADDRUSE, true)
    expect(holder.getSockOpt(SOL_SOCKET, SO_EXCLUSIVEADDRUSE)).toBe(true)
    holder.bind(0, LOOPBACK[4])
    expectWsmError(() => tcp().bind(holder.localPort, LOOPBACK[4]), 'EADDRINUSE')
  })

  it('is set before bind: afterwards EINVAL, and the option stays off', () => {
    const s = listener()
    expect(expectWsmError(() => s.setSockOpt(SOL_SOCKET, SO_EXCLUSIVEADDRUSE, true), 'EINVAL').wsaCode).toBe(10022)
    expect(s.getSockOpt(SOL_SOCKET, SO_EXCLUSIVEADDRUSE)).toBe(false)
  })

  it('excludes SO_REUSEADDR, either way round (EINVAL)', () => {
    const a = tcp()
    a.setSockOpt(SOL_SOCKET, SO_REUSEADDR, true)
    expectWsmError(() => a.setSockOpt(SOL_SOCKET, SO_EXCLUSIVEADDRUSE, true), 'EINVAL')
    const b = tcp()
    b.setSockOpt(SOL_SOCKET, SO_EXCLUSIVEADDRUSE, true)
    expectWsmError(() => b.setSockOpt(SOL_SOCKET, SO_REUSEADDR, true), 'EINVAL')
    // Turning the other one off is allowed.
    b.setSockOpt(SOL_SOCKET, SO_REUSEADDR, false)
    expect(b.getSockOpt(SOL_SOCKET, SO_REUSEADDR)).toBe(false)
  })

  it('SO_REUSEADDR starts off and reads back as set', () => {
    const s = tcp()
    expect(s.getSockOpt(SOL_SOCKET, SO_REUSEADDR)).toBe(false)
    s.setSockOpt(SOL_SOCKET, SO_REUSEADDR, true)
    expect(s.getSockOpt(SOL_SOCKET, SO_REUSEADDR)).toBe(true)
  })
})
