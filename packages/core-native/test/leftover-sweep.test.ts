// The leftover sweep comes back: a directory is swept by the first copy into it, and again by the
// first copy once its last sweep is older than the re-sweep interval (5 minutes; this file sets the
// internal WSM_LEFTOVER_RESWEEP_MS, which the addon reads once, at its first sweep). What a sweep
// removes and keeps is fs-iocp's test/leftovers.test.ts.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { copyFileIocp, copyFilesKernel } from '../lib/index.js'
import { delay } from './helpers/time.js'

const RESWEEP_MS = 1500
process.env.WSM_LEFTOVER_RESWEEP_MS = String(RESWEEP_MS)

const dir = mkdtempSync(join(tmpdir(), 'wsm-resweep-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const src = join(dir, 'src')
writeFileSync(src, 'content')

/** A temporary file as a SIGKILLed copy leaves it: its process gone, untouched for minutes. */
function plantLeftover(here: string): string {
  const child = spawnSync(process.execPath, ['-e', ''])
  expect(child.status).toBe(0)
  const path = join(here, `dest.wsm-${child.pid}-0123abcd.tmp`)
  writeFileSync(path, 'partial')
  const minutesAgo = Date.now() / 1000 - 5 * 60
  utimesSync(path, minutesAgo, minutesAgo)
  return path
}

describe.each([
  ['copyFileIocp', (dest: string) => copyFileIocp(src, dest)],
  ['copyFilesKernel', (dest: string) => copyFilesKernel([[src, dest]])],
])('%s', (name, copy) => {
  it('sweeps a directory at the first copy into it, not again within the interval, and again after it', async () => {
    const here = join(dir, name)
    mkdirSync(here)
    const dest = join(here, 'dest')
    await copy(dest)
    const leftover = plantLeftover(here)
    const started = Date.now()
    await copy(dest)
    expect(Date.now() - started, 'the second copy came within the interval').toBeLessThan(RESWEEP_MS)
    expect(existsSync(leftover), 'swept again within the interval').toBe(true)
    await delay(RESWEEP_MS + 100)
    await copy(dest)
    expect(existsSync(leftover), 'not swept again after the interval').toBe(false)
  })
})
