// Progress of one copy on stderr: a cli-progress bar where stderr is a terminal, plain lines (at
// most one a second and a last one, no escape sequences) where it is not and --progress asks, or
// nothing.
import cliProgress from 'cli-progress'
import type { ProgressMode } from './command-line.js'

export interface Progress {
  /** `done` of `total` units (bytes of a file, files of a tree), and the bytes copied so far. */
  update(done: number, total: number, bytes: number): void
  stop(): void
}

export type ProgressUnit = 'bytes' | 'files'

const PLAIN_LINE_INTERVAL_MS = 1000

export type ProgressStyle = 'bar' | 'lines' | 'none'

/** A bar only on a terminal: escape sequences would garble a log or a pipe (test/cli-progress-style.test.ts). */
export function progressStyle(mode: ProgressMode, stderrIsTTY: boolean): ProgressStyle {
  if (mode === 'off') return 'none'
  if (stderrIsTTY) return 'bar'
  return mode === 'on' ? 'lines' : 'none'
}

export function startProgress(mode: ProgressMode, label: string, unit: ProgressUnit, total: number): Progress {
  switch (progressStyle(mode, process.stderr.isTTY === true)) {
    case 'bar':
      return bar(label, unit, total)
    case 'lines':
      return plainLines(label, unit)
    case 'none':
      return { update() {}, stop() {} }
  }
}

function bar(label: string, unit: ProgressUnit, total: number): Progress {
  const format =
    unit === 'bytes'
      ? ' {bar} {percentage}% | {done} of {size} | {speed} | {label}'
      : ' {bar} {value}/{total} files | {done} | {speed} | {label}'
  const b = new cliProgress.SingleBar({ format, hideCursor: true, stream: process.stderr }, cliProgress.Presets.shades_classic)
  const started = performance.now()
  b.start(total, 0, { label, size: formatBytes(total), done: formatBytes(0), speed: '' })
  return {
    update(done, all, bytes) {
      b.setTotal(all)
      b.update(done, { done: formatBytes(bytes), speed: formatRate(bytes, performance.now() - started) })
    },
    stop: () => b.stop(),
  }
}

/** A line a second while the copy runs, and one for where it ended, so a log shows both. */
function plainLines(label: string, unit: ProgressUnit): Progress {
  let last = performance.now()
  let pending: string | undefined
  const write = () => {
    if (pending !== undefined) process.stderr.write(`wsm-copy: ${label}: ${pending}\n`)
    pending = undefined
  }
  return {
    update(done, total, bytes) {
      pending = unit === 'bytes' ? `${formatBytes(done)} of ${formatBytes(total)}` : `${done} of ${total} files, ${formatBytes(bytes)}`
      const now = performance.now()
      if (now - last < PLAIN_LINE_INTERVAL_MS) return
      last = now
      write()
    },
    stop: write,
  }
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  for (; n >= 1024 && i < units.length - 1; i++) n /= 1024
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`
}

export function formatRate(bytes: number, ms: number): string {
  return `${formatBytes(bytes / Math.max(ms / 1000, 1e-6))}/s`
}
