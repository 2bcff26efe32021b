// Fuzz of every export with junk arguments (the junk and the seeded PRNG of the core's own fuzz):
// each call resolves, or rejects with an error that has a code as Node's fs errors do — one of
// Node's ERR_ codes, a system error with a POSIX code and errno, or an AbortError — never V8's
// uncoded TypeError from inside. FUZZ_SEED picks the seed (printed).
import { mkdirSync, writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JUNK, isUserCodeError, prng, show } from '../../core-native/test/helpers/junk.js'
import * as fsIocp from '../src/index.js'
import { tempDir } from './helpers/files.js'

const SEED = Number(process.env.FUZZ_SEED ?? 0xf11e)
console.log(`fs-iocp exports-fuzz.test.ts: FUZZ_SEED=${SEED}`)
const CALLS = 1500

// Junk paths resolve inside a temp dir, where a few of them name a file and a directory.
const dir = tempDir('fs-iocp-fuzz-')
const cwd = process.cwd()
beforeAll(() => {
  process.chdir(dir)
  writeFileSync('send', 'a file')
  mkdirSync('both')
  writeFileSync('both/read', 'a file in a directory')
})
afterAll(() => process.chdir(cwd))

/** An error as Node's fs raises them: a code of Node's (ERR_...), a POSIX one with an errno, or ABORT_ERR. */
function hasNodeCode(e: unknown): boolean {
  const err = e as { code?: unknown; errno?: unknown }
  if (!(e instanceof Error) || typeof err.code !== 'string') return false
  if (/^E[A-Z0-9]+$/.test(err.code)) return typeof err.errno === 'number'
  return /^ERR_[A-Z0-9_]+$/.test(err.code) || err.code === 'ABORT_ERR'
}

describe('fuzz of every export', () => {
  it(`${CALLS} calls with junk: every failure carries a code`, async () => {
    const random = prng(SEED)
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!
    const functions = (Object.entries(fsIocp) as Array<[string, unknown]>).filter((e): e is [string, (...a: unknown[]) => Promise<unknown>] => typeof e[1] === 'function')
    expect(functions.map(([name]) => name).sort()).toEqual(['copyFile', 'copyFiles', 'cp'])
    const pool: unknown[] = [...JUNK, 'send', 'both', 'both/read', [['send', 'copy']], [['both/read', 'x/y']]]
    const failures: string[] = []
    let rejected = 0
    for (let i = 0; i < CALLS; i++) {
      const [name, fn] = pick(functions)
      const args = Array.from({ length: Math.floor(random() * 4) }, () => pick(pool))
      try {
        await fn(...args)
      } catch (e) {
        rejected++
        if (!hasNodeCode(e) && !isUserCodeError(e)) {
          failures.push(`${name}(${args.map(show).join(', ')}) [FUZZ_SEED=${SEED}, call ${i}]: ${String((e as Error)?.stack ?? e).split('\n')[0]}`)
        }
      }
    }
    expect(failures.slice(0, 20)).toEqual([])
    expect(rejected).toBeGreaterThan(CALLS / 2)
  })
})
