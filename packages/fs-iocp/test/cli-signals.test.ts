// SIGINT (Ctrl-C) and SIGTERM abort a copy through its AbortSignal: the CLI exits 130 or 143 soon
// after, and leaves no destination, no temp file, or the old destination as it was.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ERROR_LINE, startCli } from './helpers/cli.js'
import { TEMP_NAME, entries, tempDir, writeRandomFile } from './helpers/files.js'

const dir = tempDir('fs-iocp-cli-signals-')
const big = join(dir, 'big')
writeRandomFile(big, 256 << 20)
// 4 KiB unbuffered blocks one at a time: seconds of copying, so the signal lands mid-copy.
const SLOW = ['--unbuffered', '--buffer-size', '4K', '--queue-depth', '1']
const BOUND_MS = 5_000

/** Waits until the copy's temp file is beside `dest`: the copy has started and is not done. */
async function untilCopying(out: string): Promise<void> {
  const started = Date.now()
  while (!entries(out).some((name) => TEMP_NAME.test(name))) {
    if (Date.now() - started > 20_000) throw new Error('the copy never started')
    await new Promise((r) => setTimeout(r, 2))
  }
}

describe('wsm-copy interrupted mid-copy of a large file', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s: exit %i within 5 s, one line saying so, no destination and no temp file', async (signal, status) => {
    const out = join(dir, `new-${signal}`)
    mkdirSync(out)
    const { child, result } = startCli([...SLOW, big, join(out, 'dest')])
    await untilCopying(out)
    const sent = Date.now()
    child.kill(signal)
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    const { code, stderr } = await result
    clearTimeout(killer)
    expect(Date.now() - sent).toBeLessThan(BOUND_MS)
    expect(code).toBe(status)
    expect(stderr).toBe(`wsm-copy: interrupted by ${signal}: the copy under way was abandoned, no partial destination was left (ABORT_ERR)\n`)
    expect(stderr).toMatch(ERROR_LINE)
    expect(entries(out)).toEqual([])
  })

  it('SIGINT over an existing destination leaves it as it was', async () => {
    const out = join(dir, 'over-existing')
    mkdirSync(out)
    writeFileSync(join(out, 'dest'), 'old content')
    const { child, result } = startCli([...SLOW, big, join(out, 'dest')])
    await untilCopying(out)
    child.kill('SIGINT')
    expect((await result).code).toBe(130)
    expect(entries(out)).toEqual(['dest'])
    expect(readFileSync(join(out, 'dest'), 'utf8')).toBe('old content')
  })
})
