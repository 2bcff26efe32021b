// Assertions on the two kinds of error the core may throw: a TypeError with Node's `code`
// (ERR_INVALID_ARG_TYPE, ERR_INVALID_THIS, ...) and a WsmError (a POSIX code, an errno, a syscall).
// A TypeError without a code is what a crash inside the library looks like ("Cannot read
// properties of undefined"), so none of these accepts one; test/error-helpers.test.ts shows it.
import { expect } from 'vitest'
import { WsmError } from '../../lib/index.js'
import { within } from './time.js'

/** The codes of the library's own TypeErrors (Node's names for them). */
export const TYPE_ERROR_CODES = ['ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE', 'ERR_INVALID_THIS', 'ERR_ILLEGAL_CONSTRUCTOR'] as const

/** Runs `fn`, returns what it threw (fails the test if nothing was thrown). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (e) {
    return e
  }
  expect.fail('expected the call to throw')
}

/** What a promise rejected with (fails the test if it resolves, or does not settle in time). */
export async function rejected(promise: Promise<unknown>): Promise<unknown> {
  try {
    await within(promise, 'the call')
  } catch (e) {
    return e
  }
  expect.fail('expected the promise to reject')
}

export function expectWsmError(fn: () => unknown, code: string): WsmError {
  return checkWsmError(thrown(fn), code)
}

/** Asserts that `promise` rejects with a WsmError of `code`; returns the error. */
export async function expectRejectsWsm(promise: Promise<unknown>, code: string): Promise<WsmError> {
  return checkWsmError(await rejected(promise), code)
}

/** Asserts that `e` (a thrown value) is a WsmError with `code`, an errno and a syscall; returns it. */
export function checkWsmError(e: unknown, code: string): WsmError {
  expect(e, `expected a WsmError with code ${code}, got ${describeError(e)}`).toBeInstanceOf(WsmError)
  expect(e).toMatchObject({ code })
  const err = e as WsmError
  expect(typeof err.errno).toBe('number')
  expect(err.errno).toBeLessThan(0)
  expect(typeof err.syscall).toBe('string')
  return err
}

/** Asserts that `fn` throws a TypeError with `code` (ERR_INVALID_ARG_TYPE unless the call site says otherwise). */
export function expectTypeError(fn: () => unknown, code: string = 'ERR_INVALID_ARG_TYPE'): TypeError {
  return checkTypeError(thrown(fn), code)
}

/** Asserts that `promise` rejects with a TypeError with `code` (ERR_INVALID_ARG_TYPE unless the call site says otherwise). */
export async function expectRejectsType(promise: Promise<unknown>, code: string = 'ERR_INVALID_ARG_TYPE'): Promise<TypeError> {
  return checkTypeError(await rejected(promise), code)
}

function checkTypeError(e: unknown, code: string): TypeError {
  expect(e, `expected a TypeError with code ${code}, got ${describeError(e)}`).toBeInstanceOf(TypeError)
  expect((e as { code?: unknown }).code, `the code of ${describeError(e)}`).toBe(code)
  return e as TypeError
}

/**
 * The only two acceptable failures of the core: a TypeError with one of the library's codes, or a
 * WsmError with a POSIX code and Node's negative errno.
 */
export function isAcceptableError(e: unknown): boolean {
  if (e instanceof TypeError) return (TYPE_ERROR_CODES as readonly unknown[]).includes((e as { code?: unknown }).code)
  return e instanceof WsmError && typeof e.code === 'string' && /^E[A-Z0-9]+$/.test(e.code) && Number.isInteger(e.errno) && e.errno < 0
}

export function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.constructor.name}(${(e as { code?: string }).code ?? 'no code'}): ${e.message}`
  return `non-error ${String(e)}`
}
