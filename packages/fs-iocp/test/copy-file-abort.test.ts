// An abort has two honest outcomes: the call rejects with an AbortError and leaves nothing (no
// destination, or the old one intact, and no temporary file), or the copy was already in place and
// the call resolves with the whole file. These abort at every point a caller can reach.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type CopyFileOptions, type CopyFileProgress, copyFile } from '../src/index.js'
import { sha256, tempDir, entries, writeRandomFile } from './helpers/files.js'
import { WAYS } from './helpers/strategies.js'

const dir = tempDir()
const src = join(dir, 'src')
writeRandomFile(src, 16 << 20)
const srcHash = sha256(src)

const STRATEGIES: Array<{ name: string; options: CopyFileOptions; pipeline: boolean }> = [
  ...WAYS.map((w) => ({ name: w.name, options: w.options ?? {}, pipeline: w.pipeline })),
  // The reported case, and a pipeline slow enough to call onProgress several times.
  { name: 'iocp, 64 KiB x 2', options: { strategy: 'iocp', bufferSize: 65536, queueDepth: 2 }, pipeline: true },
  { name: 'iocp, 4 KiB x 1', options: { strategy: 'iocp', bufferSize: 4096, queueDepth: 1 }, pipeline: true },
]

type When =
  | { kind: 'timed'; name: string; schedule: (abort: () => void) => void }
  | { kind: 'progress'; call: number | 'last'; then: 'now' | 'microtask' | 'immediate' }

const TIMED: When[] = [
  { kind: 'timed', name: 'right after the call, before it returns to the event loop', schedule: (abort) => abort() },
  { kind: 'timed', name: 'in a microtask', schedule: (abort) => queueMicrotask(abort) },
  { kind: 'timed', name: 'in setImmediate', schedule: (abort) => setImmediate(abort) },
  { kind: 'timed', name: 'after 1 ms', schedule: (abort) => setTimeout(abort, 1) },
  { kind: 'timed', name: 'after 10 ms', schedule: (abort) => setTimeout(abort, 10) },
]

let run = 0

/**
 * Copies `src` into a directory of its own (over `old` content if given), aborting as `when` says,
 * and checks that the outcome is one of the two honest ones. Returns which, and the progress the
 * abort came at (for `progress` aborts).
 */
async function abortedCopy(options: CopyFileOptions, when: When, old?: string): Promise<{ resolved: boolean; at?: CopyFileProgress }> {
  const here = join(dir, `run-${run++}`)
  mkdirSync(here)
  const dest = join(here, 'dest')
  if (old !== undefined) writeFileSync(dest, old)
  const ac = new AbortController()
  const abort = () => ac.abort()
  let calls = 0
  let at: CopyFileProgress | undefined
  const onProgress = (p: CopyFileProgress) => {
    calls++
    if (when.kind !== 'progress' || at) return
    if (when.call === 'last' ? p.bytes !== p.totalBytes : calls !== when.call) return
    at = p
    if (when.then === 'now') abort()
    else if (when.then === 'microtask') queueMicrotask(abort)
    else setImmediate(abort)
  }
  const copy = copyFile(src, dest, { ...options, signal: ac.signal, onProgress })
  if (when.kind === 'timed') when.schedule(abort)
  const outcome = await copy.then(
    () => ({ resolved: true as const }),
    (err: unknown) => ({ resolved: false as const, err }),
  )
  if (outcome.resolved) {
    expect(sha256(dest)).toBe(srcHash)
    expect(entries(here)).toEqual(['dest'])
  } else {
    expect(outcome.err).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' })
    if (old === undefined) expect(existsSync(dest)).toBe(false)
    else expect(readFileSync(dest, 'utf8')).toBe(old)
    expect(entries(here)).toEqual(old === undefined ? [] : ['dest'])
  }
  return { resolved: outcome.resolved, at }
}

describe.each(STRATEGIES)('abort: $name', ({ options, pipeline }) => {
  it.each(TIMED.map((w) => [(w as { name: string }).name, w] as const))('%s', async (_, when) => {
    const { resolved } = await abortedCopy(options, when)
    // The pipeline does its work on this thread's event loop: before the call returned to it,
    // nothing was copied. (An in-kernel copy starts on the threadpool at once, and may be done.)
    if (when === TIMED[0] && pipeline) expect(resolved).toBe(false)
  })

  it('at each progress call: a call before the end rejects, the one at the end resolves whole', async () => {
    // How many calls this copy makes here, to abort at each of them in turn (at most 8).
    let calls = 0
    await copyFile(src, join(dir, `count-${run++}`), { ...options, onProgress: () => calls++ })
    expect(calls).toBeGreaterThan(0)
    let checked = 0
    for (let call = 1; call <= Math.min(calls, 8); call++) {
      const { resolved, at } = await abortedCopy(options, { kind: 'progress', call, then: 'now' })
      // The copy may take a different path this time (fewer calls): then no abort came.
      if (!at) continue
      expect({ call, resolved }).toEqual({ call, resolved: at.bytes === at.totalBytes })
      checked++
    }
    // At least the first call is reached every time: a run that aborted nowhere checked nothing.
    expect(checked).toBeGreaterThan(0)
  })

  it.each(['now', 'microtask', 'immediate'] as const)('at the final progress call (%s): the copy is in place and resolves', async (then) => {
    for (const old of [undefined, 'old content']) {
      const { resolved, at } = await abortedCopy(options, { kind: 'progress', call: 'last', then }, old)
      expect(at).toEqual({ bytes: 16 << 20, totalBytes: 16 << 20 })
      expect(resolved).toBe(true)
    }
  })
})

describe('the reported case: 64 MiB, 64 KiB x 2, abort from onProgress', () => {
  const big = join(dir, 'big')
  writeRandomFile(big, 64 << 20)

  it.each([
    ['iocp', { strategy: 'iocp' as const }],
    ['auto', {}],
  ])('strategy %s: rejected with nothing left, or resolved whole (3 tries)', async (_, strategy) => {
    for (let i = 0; i < 3; i++) {
      const here = join(dir, `report-${run++}`)
      mkdirSync(here)
      const dest = join(here, 'dest')
      const ac = new AbortController()
      const copy = copyFile(big, dest, { ...strategy, bufferSize: 65536, queueDepth: 2, signal: ac.signal, onProgress: () => ac.abort() })
      const rejected = await copy.then(() => false, (err: unknown) => (expect(err).toMatchObject({ name: 'AbortError' }), true))
      expect(entries(here)).toEqual(rejected ? [] : ['dest'])
      if (!rejected) expect(sha256(dest)).toBe(sha256(big))
    }
  })
})
