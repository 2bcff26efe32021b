// What tests compare errors by: the fields that Node's fs errors carry, not their messages.
import { expect } from 'vitest'

export interface Fields {
  class: string
  name: string
  code: unknown
  errno: unknown
  syscall: unknown
  path: unknown
  dest: unknown
}

export function fieldsOf(err: unknown): Fields {
  const e = err as Record<string, unknown> & Error
  return { class: e.constructor.name, name: e.name, code: e.code, errno: e.errno, syscall: e.syscall, path: e.path, dest: e.dest }
}

/** The rejection of `run()`; fails the test if it resolves or throws synchronously. */
export async function rejection(run: () => Promise<unknown>): Promise<unknown> {
  let promise: Promise<unknown>
  try {
    promise = run()
  } catch (err) {
    throw new Error(`threw synchronously instead of rejecting: ${String(err)}`)
  }
  try {
    await promise
  } catch (err) {
    return err
  }
  expect.fail('resolved, but it should have rejected')
}
