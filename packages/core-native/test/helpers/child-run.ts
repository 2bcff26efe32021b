// Runs a teardown fixture (test/fixtures/*-child.mjs) in a child process of its own, bounded, and
// collects how it ended: its exit, its last stdout line as a JSON report, its stderr. The children
// load the built package (dist/, pnpm build), and inherit the environment (WSM_BACKEND, and under
// scripts/asan-test.sh the sanitizer, which reports on stderr).
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'

const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url))
export const CHILD_MS = 30_000

export interface ChildRun {
  code: number | null
  signal: NodeJS.Signals | null
  report: Record<string, unknown> | null
  stderr: string
}

export interface ChildOptions {
  /** The child's limit of open descriptors (RLIMIT_NOFILE, set by the shell's `ulimit -n`). */
  fdLimit?: number
}

export function runChild(child: string, args: string[], options: ChildOptions = {}): Promise<ChildRun> {
  expect(existsSync(DIST), 'the package is built (pnpm build): the child loads dist/').toBe(true)
  const [file, argv] =
    options.fdLimit === undefined
      ? [process.execPath, [child, ...args]]
      : ['/bin/sh', ['-c', `ulimit -n ${options.fdLimit} && exec "$0" "$@"`, process.execPath, child, ...args]]
  return new Promise((resolve, reject) => {
    const proc = spawn(file, argv, { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => {
      proc.kill('SIGKILL')
      reject(new Error(`the child (${args.join(' ')}) did not exit within ${CHILD_MS} ms; stderr: ${stderr}`))
    }, CHILD_MS)
    proc.on('error', reject)
    proc.on('exit', (code, signal) => {
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

/** How the child ended, for the message of a failed assertion on its report. */
export function describeRun(run: ChildRun): string {
  return `child exit ${run.code}, signal ${run.signal}; stderr: ${run.stderr.slice(0, 4000) || '(empty)'}`
}

/** Exit 0, no signal, nothing on stderr. */
export function expectClean(run: ChildRun): void {
  expect({ code: run.code, signal: run.signal, stderr: run.stderr }).toEqual({ code: 0, signal: null, stderr: '' })
}
