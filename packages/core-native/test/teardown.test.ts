// Environments torn down while the core is busy in them, in the manner of classic-level's
// env-cleanup-hook test: each scenario runs in a child process (test/fixtures/teardown-child.mjs),
// in a Worker first (the environment's cleanup hooks run: the child checks that the Worker left no
// descriptor open) and then, for the first two, on the child's main thread, which exits with the
// work still pending. The child must exit 0 with nothing on stderr (under scripts/asan-test.sh it
// inherits the sanitizer, which reports there). It loads the built package (dist/, pnpm build).
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const CHILD = fileURLToPath(new URL('./fixtures/teardown-child.mjs', import.meta.url))
const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url))
const CHILD_MS = 30_000

interface ChildRun {
  code: number | null
  signal: NodeJS.Signals | null
  report: Record<string, unknown> | null
  stderr: string
}

function runChild(scenario: string): Promise<ChildRun> {
  expect(existsSync(DIST), 'the package is built (pnpm build): the child loads dist/').toBe(true)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, scenario], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the ${scenario} child did not exit within ${CHILD_MS} ms; stderr: ${stderr}`))
    }, CHILD_MS)
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      const line = stdout.trim().split('\n').at(-1) ?? ''
      let report: Record<string, unknown> | null = null
      try {
        report = JSON.parse(line) as Record<string, unknown>
      } catch {
        // no report: the child died first; code, signal and stderr say why
      }
      resolve({ code, signal, report, stderr })
    })
  })
}

function expectClean(run: ChildRun): void {
  expect({ code: run.code, signal: run.signal, stderr: run.stderr }).toEqual({ code: 0, signal: null, stderr: '' })
}

describe('environments that end with work in flight', () => {
  it('10,000 receives pending: a Worker exits and leaves no descriptor; the process exits 0', async () => {
    const run = await runChild('receives')
    expect(run.report).toEqual({ scenario: 'receives', worker: { workerExit: 0, leaked: [], gone: [] } })
    expectClean(run)
  }, CHILD_MS + 5000)

  it('a select pending: a Worker exits and leaves no descriptor (nor a poll handle on its loop); the process exits 0', async () => {
    const run = await runChild('select')
    expect(run.report).toEqual({ scenario: 'select', worker: { workerExit: 0, leaked: [], gone: [] } })
    expectClean(run)
  }, CHILD_MS + 5000)

  it('a Worker running a completion-port echo server, terminated mid-traffic: its peers see their connections closed, no descriptor is left', async () => {
    const run = await runChild('echo')
    // A terminated Worker exits with 1.
    expect(run.report).toEqual({ scenario: 'echo', worker: { workerExit: 1, leaked: [], gone: [] }, peersSawClose: true })
    expectClean(run)
  }, CHILD_MS + 5000)
})
