import { execFile } from 'node:child_process'
import { createHash, randomFillSync } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

// The CLI as a user runs it: the built bin, in its own process.
const CLI = fileURLToPath(new URL('../dist/wsm-copy.js', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'wsm-copy-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], (err, stdout, stderr) => resolve({ code: err ? (err.code as number) : 0, stdout, stderr }))
  })
}

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex')

describe('wsm-copy', () => {
  const src = join(dir, 'src.bin')
  writeFileSync(src, randomFillSync(Buffer.alloc(5 * 1024 * 1024 + 3)))

  it.each([[], ['--unbuffered'], ['--queue-depth', '8', '--buffer-size', '1M'], ['--strategy', 'kernel']])('copies a file identically %j and reports the throughput', async (...flags) => {
    const dest = join(dir, `dest-${flags.join('')}`)
    const { code, stdout } = await run(src, dest, ...flags)
    expect(code).toBe(0)
    expect(stdout).toMatch(/^copied 5\.0 MiB in \d+\.\d{3} s \(.+\/s\)\n$/)
    expect(sha(dest)).toBe(sha(src))
  })

  it('copies a directory as cp -r does', async () => {
    mkdirSync(join(dir, 'tree/sub'), { recursive: true })
    writeFileSync(join(dir, 'tree/sub/f'), 'f')
    symlinkSync('f', join(dir, 'tree/sub/l'))
    const { code, stdout } = await run(join(dir, 'tree'), join(dir, 'tree-copy'))
    expect(code).toBe(0)
    expect(stdout).toMatch(/^copied 1 files and 1 symlinks in/)
    expect(readlinkSync(join(dir, 'tree-copy/sub/l'))).toBe('f')
  })

  it('says what is wrong: exit 2 for usage, 1 for a failed copy', async () => {
    expect(await run()).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: wsm-copy SRC DEST') })
    expect(await run(src, join(dir, 'x'), '--queue-depth', 'many')).toMatchObject({ code: 2 })
    expect(await run(src, join(dir, 'x'), '--bogus')).toMatchObject({ code: 2 })
    expect(await run(join(dir, 'missing'), join(dir, 'x'))).toMatchObject({ code: 1, stderr: expect.stringContaining('ENOENT') })
    expect(await run(src, join(dir, 'nodir', 'x'))).toMatchObject({ code: 1, stderr: expect.stringMatching(/ENOENT: .*copyfile/) })
  })
})
