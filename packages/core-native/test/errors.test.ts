// WsmError: the shape of every failure, as the contract fixes it.
import { describe, expect, it } from 'vitest'
import { wsaCodeOf, wsaError } from '../lib/errors.js'
import { WsmError } from '../lib/index.js'
import { expectWsmError } from './helpers/errors.js'
import { expectNoFdLeaks } from './helpers/fds.js'
import { closeAll, listener, tcp, useSocketCleanup } from './helpers/sockets.js'

expectNoFdLeaks(closeAll)
useSocketCleanup()

describe('WsmError', () => {
  it('is an Error with code, errno, syscall and (optionally) wsaCode', () => {
    const e = new WsmError('recv EWOULDBLOCK: try again', { code: 'EWOULDBLOCK', errno: -11, syscall: 'recv', wsaCode: 10035 })
    expect(e).toBeInstanceOf(Error)
    expect(e.name).toBe('WsmError')
    expect(e.message).toBe('recv EWOULDBLOCK: try again')
    expect({ code: e.code, errno: e.errno, syscall: e.syscall, wsaCode: e.wsaCode }).toEqual({
      code: 'EWOULDBLOCK',
      errno: -11,
      syscall: 'recv',
      wsaCode: 10035,
    })
    const plain = new WsmError('x', { code: 'EFOO', errno: -1, syscall: 'foo' })
    expect(plain.wsaCode).toBeUndefined()
  })

  it('errors raised by the native core are WsmErrors with a stack, a message naming the call and the code', () => {
    const server = listener(4)
    const e = expectWsmError(() => tcp(4).bind(server.localPort, '127.0.0.1'), 'EADDRINUSE')
    expect(e).toBeInstanceOf(WsmError)
    expect(e.name).toBe('WsmError')
    expect(e.message).toMatch(/^bind EADDRINUSE: /)
    expect(e.errno).toBe(-98)
    expect(e.wsaCode).toBe(10048)
    expect(e.stack).toContain('WsmError')
  })

  it('calls EAGAIN by its Winsock name, EWOULDBLOCK', () => {
    expect(expectWsmError(() => tcp(4).recv(new Uint8Array(1)), 'ENOTCONN').wsaCode).toBe(10057)
    const server = listener(4)
    const c = tcp(4)
    c.connect(server.localPort, '127.0.0.1')
    // A connecting (or connected, idle) socket: nothing to read yet.
    const would = expectWsmError(() => c.recv(new Uint8Array(1)), 'EWOULDBLOCK')
    expect(would.errno).toBe(-11)
    expect(would.code).not.toBe('EAGAIN')
  })

  it('wsaError turns the Winsock number of a network event back into the POSIX error (the inverse of wsaCodeOf)', () => {
    expect(wsaError(10054, 'recv')).toMatchObject({ name: 'WsmError', code: 'ECONNRESET', errno: -104, syscall: 'recv', wsaCode: 10054 })
    expect(wsaError(10061, 'connect')).toMatchObject({ code: 'ECONNREFUSED', errno: -111, syscall: 'connect', wsaCode: 10061 })
    expect(wsaError(10035, 'send')).toMatchObject({ code: 'EWOULDBLOCK', errno: -11 })
    expect(wsaError(995, 'recv')).toMatchObject({ code: 'ECANCELED', errno: -125 })
    // An errno without a Winsock number passes through wsaCodeOf unchanged, and back.
    expect(wsaCodeOf(71)).toBe(71)
    expect(wsaError(71, 'recv')).toMatchObject({ code: 'EPROTO', errno: -71 })
    for (const errno of [104, 110, 111, 113]) expect(-wsaError(wsaCodeOf(errno), 'x').errno).toBe(errno)
  })
})
