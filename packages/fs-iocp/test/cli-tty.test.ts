// wsm-copy on a terminal: util-linux `script` gives it a pty, and the bar must be drawn there (and
// only there: cli.test.ts checks that pipes get none).
import { execFile, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CLI } from './helpers/cli.js'
import { sha256, tempDir, writeRandomFile } from './helpers/files.js'

// A pty must really open (a container may lack /dev/ptmx), not merely the program exist.
const hasScript = spawnSync('script', ['-qec', 'true', '/dev/null'], { stdio: 'ignore' }).status === 0
const dir = tempDir('fs-iocp-cli-tty-')
const src = join(dir, 'src')
writeRandomFile(src, 8 << 20)

/** Runs the CLI on a pty; resolves what the terminal received and the CLI's exit status (script -e). */
function onTerminal(args: string[]): Promise<{ code: number; output: string }> {
  const quoted = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')
  return new Promise((resolve) => {
    execFile('script', ['-qec', quoted, '/dev/null'], { timeout: 60_000 }, (err, stdout) => {
      resolve({ code: err ? Number((err as { code?: unknown }).code) : 0, output: stdout })
    })
  })
}

describe.skipIf(!hasScript)('wsm-copy on a terminal (skipped where util-linux script cannot open a pty: cli-progress-style.test.ts covers the choice)', () => {
  it('draws a progress bar (cursor hidden, then shown again) and copies the file', async () => {
    const dest = join(dir, 'bar')
    const { code, output } = await onTerminal(['--strategy', 'iocp', src, dest])
    expect(code).toBe(0)
    expect(output).toContain('\u001b[?25l') // hide the cursor
    expect(output).toContain('\u001b[?25h') // and show it again
    expect(output).toMatch(/100% \| 8\.0 MiB of 8\.0 MiB \|/)
    expect(output).toMatch(/copied '.*' to '.*': 8\.0 MiB in/)
    expect(sha256(dest)).toBe(sha256(src))
  })

  it('--no-progress and -q draw none', async () => {
    for (const flag of ['--no-progress', '-q']) {
      const { code, output } = await onTerminal([flag, src, join(dir, `none${flag}`)])
      expect(code).toBe(0)
      expect(output).not.toContain('\u001b')
    }
  })

  it('a failure on a terminal: exit 1 through the pty, the one error line', async () => {
    const { code, output } = await onTerminal(['-n', src, join(dir, 'bar')])
    expect(code).toBe(1)
    expect(output).toMatch(/wsm-copy: cannot copy '.*' to '.*': file already exists \(EEXIST\)\r?\n$/)
  })
})
