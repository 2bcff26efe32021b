#!/usr/bin/env node
// `wsm-copy SRC DEST [--unbuffered] [--queue-depth N] ...`: one file (or a tree) copied with
// @wsm/fs-iocp, with a progress bar and the throughput at the end.
import { stat } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { type CopyStrategy, copyFile, cp } from '@wsm/fs-iocp'
import cliProgress from 'cli-progress'

const USAGE = `usage: wsm-copy SRC DEST [options]

Copies the file SRC to DEST (or the directory SRC to DEST, as cp -r does) with @wsm/fs-iocp.
A failed or interrupted copy leaves no partial DEST.

options:
  --unbuffered           unbuffered I/O (O_DIRECT, FILE_FLAG_NO_BUFFERING): no page cache left behind
  --queue-depth N        reads and writes in flight (1-256; the completion-port pipeline)
  --buffer-size N        bytes per read and write, K/M suffixes (4K-64M; the pipeline)
  --strategy S           auto (default), kernel (copy_file_range/reflink) or iocp (the pipeline)
  --concurrency N        files copied at once, for a directory (default 4)
  --no-progress          no progress bar
  -h, --help             this text
`

class UsageError extends Error {}

function integer(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const m = /^(\d+)([KkMm]?)$/.exec(text)
  if (!m) throw new UsageError(`--${name}: expected a whole number, got '${text}'`)
  return Number(m[1]) * (m[2] === '' ? 1 : /[Kk]/.test(m[2]!) ? 1024 : 1024 * 1024)
}

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  for (; n >= 1024 && i < units.length - 1; i++) n /= 1024
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      unbuffered: { type: 'boolean' },
      'queue-depth': { type: 'string' },
      'buffer-size': { type: 'string' },
      strategy: { type: 'string' },
      concurrency: { type: 'string' },
      'no-progress': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    process.stdout.write(USAGE)
    return 0
  }
  if (positionals.length !== 2) throw new UsageError(`expected SRC and DEST, got ${positionals.length} path(s)`)
  const [src, dest] = positionals as [string, string]
  const strategy = values.strategy as CopyStrategy | undefined
  if (strategy !== undefined && !['auto', 'kernel', 'iocp'].includes(strategy)) throw new UsageError(`--strategy: auto, kernel or iocp, got '${strategy}'`)

  const source = await stat(src)
  const ac = new AbortController()
  process.once('SIGINT', () => ac.abort())
  const bar = new cliProgress.SingleBar(
    {
      format: source.isDirectory() ? ' {bar} {percentage}% | {value}/{total} files | {done} | {speed}' : ' {bar} {percentage}% | {done} of {size} | {speed}',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  )
  const started = performance.now()
  const speed = (n: number) => `${bytes(n / Math.max((performance.now() - started) / 1000, 1e-6))}/s`
  const showBar = !values['no-progress']
  let copied = 0
  let what: string

  try {
    if (source.isDirectory()) {
      if (values.unbuffered || values['queue-depth'] || values['buffer-size'] || strategy) {
        throw new UsageError('--unbuffered, --queue-depth, --buffer-size and --strategy are for one file; a directory is copied in the kernel')
      }
      if (showBar) bar.start(1, 0, { done: bytes(0), speed: '' })
      const result = await cp(src, dest, {
        concurrency: integer('concurrency', values.concurrency),
        signal: ac.signal,
        onProgress: ({ files, totalFiles, bytes: n }) => {
          copied = n
          if (showBar) {
            bar.setTotal(totalFiles)
            bar.update(files, { done: bytes(n), speed: speed(n) })
          }
        },
      })
      copied = result.bytes
      what = `${result.files} files and ${result.links} symlinks`
    } else {
      if (showBar) bar.start(source.size, 0, { size: bytes(source.size), done: bytes(0), speed: '' })
      await copyFile(src, dest, {
        strategy,
        unbuffered: values.unbuffered,
        queueDepth: integer('queue-depth', values['queue-depth']),
        bufferSize: integer('buffer-size', values['buffer-size']),
        signal: ac.signal,
        onProgress: ({ bytes: n }) => {
          copied = n
          if (showBar) bar.update(n, { done: bytes(n), speed: speed(n) })
        },
      })
      copied = source.size
      what = bytes(source.size)
    }
  } finally {
    if (showBar) bar.stop()
  }
  const seconds = (performance.now() - started) / 1000
  process.stdout.write(`copied ${what} in ${seconds.toFixed(3)} s (${speed(copied)})\n`)
  return 0
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: Error & { code?: string }) => {
    if (err instanceof UsageError || err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      process.stderr.write(`wsm-copy: ${err.message}\n\n${USAGE}`)
      process.exitCode = 2
    } else if (err.name === 'AbortError') {
      process.stderr.write('wsm-copy: interrupted; nothing partial was left at the destination\n')
      process.exitCode = 130
    } else {
      process.stderr.write(`wsm-copy: ${err.message}\n`)
      process.exitCode = 1
    }
  },
)
