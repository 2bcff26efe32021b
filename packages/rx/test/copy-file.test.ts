// copyFile$: progress values then complete; unsubscribing aborts the copy and leaves no destination
// (or the old one intact) and no temporary file; failures are error notifications.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { take } from 'rxjs'
import { afterAll, describe, expect, it } from 'vitest'
import { copyFile$ } from '../src/index.js'
import { fdBaseline, openFdCount } from './helpers/fds.js'
import { errorOf, eventually, valuesOf } from './helpers/wait.js'

const root = mkdtempSync(join(tmpdir(), 'wsm-rx-copy-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let dirs = 0
const freshDir = () => mkdtempSync(join(root, `${dirs++}-`))

// Big enough, copied 4 KiB at a time, to be under way when the first progress value comes (50 ms).
const BIG = 64 << 20
const SLOW = { bufferSize: 4096, pendingIos: 1 }

function fileOf(dir: string, size: number, fill = 7): string {
  const path = join(dir, 'src')
  writeFileSync(path, Buffer.alloc(size, fill))
  return path
}

describe('copyFile$', () => {
  it('emits progress, the last value (only it) with copied === total, then completes with the copy in place', async () => {
    const dir = freshDir()
    const src = fileOf(dir, 300_000)
    const values = await valuesOf(copyFile$(src, join(dir, 'dest'), { bufferSize: 4096, pendingIos: 2 }), 'the copy')
    const total = 300_000n
    expect(values.at(-1)).toEqual({ copied: total, total })
    expect(values.slice(0, -1).every((v) => v.copied < total && v.total === total)).toBe(true)
    expect(readFileSync(join(dir, 'dest')).equals(readFileSync(src))).toBe(true)
  })

  it('does nothing before subscribe', async () => {
    const dir = freshDir()
    const src = fileOf(dir, 1000)
    copyFile$(src, join(dir, 'dest'))
    await new Promise((r) => setTimeout(r, 50))
    expect(readdirSync(dir)).toEqual(['src'])
  })

  it('unsubscribed mid-copy (take(1) of the progress): aborted, no destination, no temporary file, no descriptor left', async () => {
    const dir = freshDir()
    const src = fileOf(dir, BIG)
    const before = fdBaseline()
    const [first] = await valuesOf(copyFile$(src, join(dir, 'dest'), SLOW).pipe(take(1)), 'the first progress value')
    expect(first!.copied).toBeLessThan(first!.total) // still under way when unsubscribed
    await eventually(() => readdirSync(dir).length === 1 && openFdCount() === before, 'the aborted copy to clean up')
    expect(readdirSync(dir)).toEqual(['src'])
  })

  it('unsubscribed at once: an existing destination stays as it was', async () => {
    const dir = freshDir()
    const src = fileOf(dir, BIG)
    const dest = join(dir, 'dest')
    writeFileSync(dest, 'old')
    copyFile$(src, dest, SLOW).subscribe().unsubscribe()
    await eventually(() => readdirSync(dir).length === 2, 'the aborted copy to clean up')
    // Had the copy gone on, it would have replaced `dest` within a second or two.
    await new Promise((r) => setTimeout(r, 300))
    expect(readdirSync(dir).sort()).toEqual(['dest', 'src'])
    expect(readFileSync(dest, 'utf8')).toBe('old')
  })

  it('a missing source is an error notification: the WsmError with its code and paths', async () => {
    const dir = freshDir()
    const err = await errorOf(copyFile$(join(dir, 'nope'), join(dir, 'dest')), 'the failure')
    expect(err).toMatchObject({ name: 'WsmError', code: 'ENOENT', path: join(dir, 'nope'), dest: join(dir, 'dest') })
    expect(existsSync(join(dir, 'dest'))).toBe(false)
  })

  it('bad arguments throw a coded TypeError when called', () => {
    const cases: Array<[unknown[], string]> = [
      [[1, 'b'], 'ERR_INVALID_ARG_TYPE'],
      [['a', null], 'ERR_INVALID_ARG_TYPE'],
      [['a', 'b', 'fast'], 'ERR_INVALID_ARG_TYPE'],
      [['a', 'b', { bufferSize: '4096' }], 'ERR_INVALID_ARG_TYPE'],
      [['a', 'b', { bufferSize: 100 }], 'ERR_INVALID_ARG_VALUE'],
      [['a', 'b', { pendingIos: 0 }], 'ERR_INVALID_ARG_VALUE'],
      [['a', 'b', { unbuffered: 1 }], 'ERR_INVALID_ARG_TYPE'],
      [['a', 'b', { signal: AbortSignal.abort() }], 'ERR_INVALID_ARG_VALUE'],
      [['a', 'b', { onProgress: () => {} }], 'ERR_INVALID_ARG_VALUE'],
    ]
    for (const [args, code] of cases) {
      expect(() => (copyFile$ as (...a: unknown[]) => unknown)(...args), JSON.stringify(args)).toThrow(expect.objectContaining({ name: 'TypeError', code }))
    }
  })
})
