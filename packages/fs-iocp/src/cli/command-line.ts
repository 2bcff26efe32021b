// The command line of wsm-copy, read with util.parseArgs into the options of copyFile (without -r)
// or cp (with -r). Ranges and strategy names are left to the API, which judges them as it judges
// a program's options (its TypeErrors and RangeErrors are usage errors here too).
import { constants } from 'node:fs'
import { parseArgs } from 'node:util'
import type { CopyFileOptions, CopyStrategy, CpOptions } from '@wsm/fs-iocp'
import { UsageError } from './command-errors.js'

const { COPYFILE_EXCL, COPYFILE_FICLONE, COPYFILE_FICLONE_FORCE } = constants

/** 'auto': a bar where stderr is a terminal, nothing elsewhere; 'on': a bar or plain lines; 'off': nothing. */
export type ProgressMode = 'auto' | 'on' | 'off'

export interface CopyCommand {
  action: 'copy'
  sources: string[]
  dest: string
  recursive: boolean
  /** -T: DEST is the copy itself, never a directory to copy into. */
  noTargetDirectory: boolean
  dereference: boolean
  /** copyFile's options, used without -r. */
  file: Omit<CopyFileOptions, 'signal' | 'onProgress'>
  /** cp's options, used with -r. */
  tree: Omit<CpOptions, 'signal' | 'onProgress' | 'filter'>
  progress: ProgressMode
  /** No summary lines (and, unless --progress follows, no progress). */
  quiet: boolean
}

export type Command = { action: 'help' } | { action: 'version' } | CopyCommand

const OPTIONS = {
  recursive: { type: 'boolean', short: 'r' },
  'no-target-directory': { type: 'boolean', short: 'T' },
  exclusive: { type: 'boolean', short: 'n' },
  'no-clobber': { type: 'boolean' },
  'preserve-timestamps': { type: 'boolean', short: 'p' },
  dereference: { type: 'boolean', short: 'L' },
  reflink: { type: 'string' },
  strategy: { type: 'string' },
  unbuffered: { type: 'boolean' },
  'buffer-size': { type: 'string' },
  'queue-depth': { type: 'string' },
  'no-force': { type: 'boolean' },
  'no-overwrite': { type: 'boolean' },
  'error-on-exist': { type: 'boolean' },
  'no-verbatim-symlinks': { type: 'boolean' },
  concurrency: { type: 'string' },
  progress: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const

/** copyFile's options: cp copies every file in the kernel and has none of them. */
const FILE_ONLY = ['strategy', 'unbuffered', 'buffer-size', 'queue-depth'] as const
/** cp's options: copyFile copies one file and has none of them. */
const TREE_ONLY = ['no-force', 'no-overwrite', 'error-on-exist', 'no-verbatim-symlinks', 'concurrency'] as const
const REFLINK = ['auto', 'always', 'never'] as const
const SIZE_UNITS: Record<string, number> = { '': 1, k: 1 << 10, m: 1 << 20, g: 1 << 30 }

export function parseCommandLine(argv: string[]): Command {
  const { values, positionals, tokens } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, tokens: true })
  if (values.help) return { action: 'help' }
  if (values.version) return { action: 'version' }

  if (positionals.length === 0) throw new UsageError('missing SRC and DEST', 'ERR_MISSING_ARGS')
  if (positionals.length === 1) throw new UsageError(`missing DEST after '${positionals[0]}'`, 'ERR_MISSING_ARGS')
  const noTargetDirectory = values['no-target-directory'] ?? false
  if (noTargetDirectory && positionals.length > 2) throw new UsageError('-T copies one SRC to DEST; several sources need a directory', 'ERR_INCOMPATIBLE_OPTION_PAIR')

  const recursive = values.recursive ?? false
  const misplaced = recursive ? FILE_ONLY.find((name) => values[name] !== undefined) : TREE_ONLY.find((name) => values[name] !== undefined)
  if (misplaced) {
    const why = recursive ? 'is for copyFile, without -r (cp copies every file in the kernel)' : 'is for cp, with -r'
    throw new UsageError(`--${misplaced} ${why}`, 'ERR_INCOMPATIBLE_OPTION_PAIR')
  }
  const reflink = oneOf('reflink', values.reflink, REFLINK) ?? 'auto'
  if (recursive && reflink === 'never') throw new UsageError('--reflink never is for copyFile, without -r (cp clones where it can)', 'ERR_INCOMPATIBLE_OPTION_PAIR')

  const exclusive = (values.exclusive ?? false) || (values['no-clobber'] ?? false)
  const errorOnExist = exclusive || (values['error-on-exist'] ?? false)
  const preserveTimestamps = values['preserve-timestamps'] ?? false
  const dereference = values.dereference ?? false
  const { progress, quiet } = outputMode(tokens)
  return {
    action: 'copy',
    sources: positionals.slice(0, -1),
    dest: positionals[positionals.length - 1]!,
    recursive,
    noTargetDirectory,
    dereference,
    file: fileOptions(values, reflink, exclusive, preserveTimestamps),
    tree: {
      force: !(errorOnExist || values['no-force'] || values['no-overwrite']),
      errorOnExist,
      dereference,
      preserveTimestamps,
      // cp's default is verbatim; false makes relative link targets absolute, as fs.cp does.
      verbatimSymlinks: values['no-verbatim-symlinks'] ? false : undefined,
      mode: reflink === 'always' ? COPYFILE_FICLONE_FORCE : undefined,
      concurrency: count('concurrency', values.concurrency),
    },
    progress,
    quiet,
  }
}

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values']

function fileOptions(values: Values, reflink: (typeof REFLINK)[number], exclusive: boolean, preserveTimestamps: boolean): CopyCommand['file'] {
  const bufferSize = size('buffer-size', values['buffer-size'])
  const queueDepth = count('queue-depth', values['queue-depth'])
  const unbuffered = values.unbuffered
  let strategy = values.strategy as CopyStrategy | undefined
  let mode = exclusive ? COPYFILE_EXCL : 0
  if (reflink === 'always') mode |= COPYFILE_FICLONE_FORCE
  else if (reflink === 'auto') mode |= COPYFILE_FICLONE
  // 'never': the 'auto' strategy tries a clone first whatever the mode says, 'kernel' clones only
  // when the mode asks, and the pipeline (which the pipeline options choose) never clones.
  else if ((strategy ?? 'auto') === 'auto' && !unbuffered && bufferSize === undefined && queueDepth === undefined) strategy = 'kernel'
  return { mode, strategy, unbuffered, bufferSize, queueDepth, preserveTimestamps }
}

/** The last of --progress, --no-progress and --quiet decides progress, as the last flag does in cp. */
function outputMode(tokens: ReadonlyArray<{ kind: string; name?: string }>): { progress: ProgressMode; quiet: boolean } {
  let progress: ProgressMode = 'auto'
  let quiet = false
  for (const token of tokens) {
    if (token.kind !== 'option') continue
    if (token.name === 'progress') progress = 'on'
    else if (token.name === 'no-progress') progress = 'off'
    else if (token.name === 'quiet') {
      quiet = true
      progress = 'off'
    }
  }
  return { progress, quiet }
}

function oneOf<T extends string>(name: string, text: string | undefined, allowed: readonly T[]): T | undefined {
  if (text === undefined) return undefined
  if (!allowed.includes(text as T)) throw new UsageError(`--${name} takes ${allowed.join(', ')}; got '${text}'`)
  return text as T
}

/** A whole number (its range is the API's to check). */
function count(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} takes a whole number; got '${text}'`)
  return Number(text)
}

/** Bytes, with K, M or G for KiB, MiB, GiB. */
function size(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const m = /^(\d+)([kmg]?)$/i.exec(text)
  if (!m) throw new UsageError(`--${name} takes a whole number of bytes, with K, M or G for KiB, MiB, GiB; got '${text}'`)
  return Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!
}
