// Assertions on the two kinds of error the core may throw: TypeError (wrong type) and WsmError
// (a code, an errno, a syscall).
import { expect } from 'vitest'
import { WsmError } from '../../lib/index.js'

/** Runs `fn`, returns what it threw (fails the test if nothing was thrown). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (e) {
    return e
  }
  expect.fail('expected the call to throw')
}

export function expectWsmError(fn: () => unknown, code: string): WsmError {
  const e = thrown(fn)
  expect(e).toBeInstanceOf(WsmError)
  expect(e).toMatchObject({ code })
  const err = e as WsmError
  expect(typeof err.errno).toBe('number')
  expect(err.errno).toBeLessThan(0)
  expect(typeof err.syscall).toBe('string')
  return err
}

export function expectTypeError(fn: () => unknown): TypeError {
  const e = thrown(fn)
  expect(e).toBeInstanceOf(TypeError)
  return e as TypeError
}

/** The only two acceptable failures of the core: a TypeError, or a WsmError with a string code. */
export function isAcceptableError(e: unknown): boolean {
  if (e instanceof TypeError) return true
  return e instanceof WsmError && typeof e.code === 'string' && e.code.length > 0 && typeof e.errno === 'number'
}

export function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.constructor.name}(${(e as { code?: string }).code ?? ''}): ${e.message}`
  return `non-error ${String(e)}`
}
