// The error assertions of test/helpers/errors.ts must not pass for what a crash inside the library
// throws: a TypeError without a code ("Cannot read properties of undefined"), or one with another
// code than the call site expects.
import { describe, expect, it } from 'vitest'
import { WsmError } from '../lib/index.js'
import { expectRejectsType, expectRejectsWsm, expectTypeError, expectWsmError, isAcceptableError } from './helpers/errors.js'
import { USER_ERROR, isUserCodeError } from './helpers/junk.js'

function crash(): never {
  return (undefined as unknown as { x: { y: number } }).x.y as never
}

function coded(code: string): TypeError {
  return Object.assign(new TypeError('coded'), { code })
}

const wsm = () => new WsmError('x', { code: 'EINVAL', errno: -22, syscall: 'x', wsaCode: 10022 })

describe('the error assertions refuse what a crash throws', () => {
  it('expectTypeError: a bare TypeError fails it, so does another code; the right code passes', () => {
    expect(() => expectTypeError(crash)).toThrow(/code/)
    expect(() => expectTypeError(() => { throw new TypeError('bare') })).toThrow(/code/)
    expect(() => expectTypeError(() => { throw coded('ERR_INVALID_THIS') })).toThrow(/ERR_INVALID_ARG_TYPE/)
    expect(() => expectTypeError(() => { throw coded('ERR_INVALID_ARG_TYPE') }, 'ERR_INVALID_THIS')).toThrow(/ERR_INVALID_THIS/)
    expect(() => expectTypeError(() => { throw wsm() })).toThrow()
    expect(() => expectTypeError(() => 1)).toThrow(/expected the call to throw/)
    expect(expectTypeError(() => { throw coded('ERR_INVALID_ARG_TYPE') }).message).toBe('coded')
    expectTypeError(() => { throw coded('ERR_INVALID_THIS') }, 'ERR_INVALID_THIS')
  })

  it('expectRejectsType: a bare TypeError rejection fails it; a coded one passes', async () => {
    await expect(expectRejectsType(Promise.reject(new TypeError('bare')))).rejects.toThrow(/code/)
    await expect(expectRejectsType(Promise.resolve().then(crash))).rejects.toThrow(/code/)
    await expect(expectRejectsType(Promise.reject(coded('ERR_INVALID_THIS')))).rejects.toThrow(/ERR_INVALID_ARG_TYPE/)
    await expect(expectRejectsType(Promise.resolve(1))).rejects.toThrow(/reject/)
    await expectRejectsType(Promise.reject(coded('ERR_INVALID_ARG_TYPE')))
    await expectRejectsType(Promise.reject(coded('ERR_INVALID_THIS')), 'ERR_INVALID_THIS')
  })

  it('expectWsmError and expectRejectsWsm: a TypeError or another code fails them', async () => {
    expect(() => expectWsmError(crash, 'EINVAL')).toThrow()
    expect(() => expectWsmError(() => { throw wsm() }, 'EBADF')).toThrow()
    expectWsmError(() => { throw wsm() }, 'EINVAL')
    await expect(expectRejectsWsm(Promise.reject(new TypeError('bare')), 'EINVAL')).rejects.toThrow()
    await expectRejectsWsm(Promise.reject(wsm()), 'EINVAL')
  })

  it('isAcceptableError: false for a bare TypeError, a foreign code, a plain Error; true for coded ones', () => {
    let crashed: unknown
    try {
      crash()
    } catch (e) {
      crashed = e
    }
    expect(isAcceptableError(crashed)).toBe(false)
    expect(isAcceptableError(new TypeError('bare'))).toBe(false)
    expect(isAcceptableError(coded('SOMETHING_ELSE'))).toBe(false)
    expect(isAcceptableError(new Error('plain'))).toBe(false)
    expect(isAcceptableError(Object.assign(new Error('x'), { code: 'EINVAL', errno: -22 }))).toBe(false)
    expect(isAcceptableError(coded('ERR_INVALID_ARG_TYPE'))).toBe(true)
    expect(isAcceptableError(coded('ERR_INVALID_THIS'))).toBe(true)
    expect(isAcceptableError(wsm())).toBe(true)
  })

  it('isUserCodeError: only the user code error and a revoked Proxy, never a crash', () => {
    const { proxy, revoke } = Proxy.revocable({}, {})
    revoke()
    let revoked: unknown
    try {
      void (proxy as { x?: unknown }).x
    } catch (e) {
      revoked = e
    }
    expect(isUserCodeError(USER_ERROR)).toBe(true)
    expect(isUserCodeError(revoked)).toBe(true)
    expect(isUserCodeError(new TypeError('Cannot read properties of undefined'))).toBe(false)
    expect(isUserCodeError(coded('ERR_INVALID_ARG_TYPE'))).toBe(false)
  })
})
