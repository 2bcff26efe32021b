// The CLI as users run it: the built bin (dist/cli.js), in a process of its own.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url))
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build the package first (pnpm --filter @wsm/fs-iocp build)`)

export interface CliResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs `wsm-copy ...args` with pipes for stdin, stdout and stderr (so nothing is a terminal). */
export function runCli(args: string[], options: { cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: options.cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      const failure = err as (Error & { code?: unknown; signal?: NodeJS.Signals | null }) | null
      resolve({ code: failure ? (typeof failure.code === 'number' ? failure.code : null) : 0, signal: failure?.signal ?? null, stdout, stderr })
    })
  })
}

/** Starts `wsm-copy ...args` and gives back the process, for tests that signal it. */
export function startCli(args: string[]): { child: ChildProcess; result: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s))
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s))
  const result = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })))
  return { child, result }
}

/** One error line as the CLI writes them: `wsm-copy: <message> (<code>)`. */
export const ERROR_LINE = /^wsm-copy: [^\n]+ \(([A-Z_0-9]+)\)\n$/
