// What cp and copyFiles share: their options, symlinks, and the one call that copies every file.
import { promises as fsp } from 'node:fs'
import { type CopyFilesKernelOptions, abortError, copyFilesKernel } from '@wsm/core-native'
import {
  optionalBoolean,
  optionalFunction,
  optionalInteger,
  optionalSignal,
  validateObject,
} from './args.js'
import { toCopyError } from './copy-error.js'
import { tempPathBeside } from './temp-name.js'

export interface CopyManyOptions {
  /** Called for every source (and, in `cp`, every directory) before it is copied; false leaves it out. May be async; calls may overlap. */
  filter?: (src: string, dest: string) => boolean | Promise<boolean>
  /** Replace destinations that exist (default true). */
  overwrite?: boolean
  /** With `overwrite: false`, fail with EEXIST on a destination that exists instead of leaving it (default false). */
  errorOnExist?: boolean
  /** Copy what symlinks point at instead of the links (default: false for `cp`, true for `copyFiles`). */
  dereference?: boolean
  /** Give files (and the directories `cp` creates) their sources' access and modification times. */
  preserveTimestamps?: boolean
  /** Files copied at once, each on a thread of libuv's pool (1 to 1024; default 4, the pool's default size). */
  concurrency?: number
  signal?: AbortSignal
  /** About every 50 ms while files are copied, and once at the end. */
  onProgress?: (progress: CopyManyProgress) => void
}

export interface CopyManyProgress {
  /** Files done so far (copied, or left alone as `overwrite: false` asks). */
  files: number
  /** Files to copy found so far. `cp` starts copying while its walk still finds files: the number is final once the walk is done. */
  totalFiles: number
  /** Bytes copied so far. */
  bytes: number
}

export interface CopyManyResult {
  /** Regular files done (copied, or left alone as `overwrite: false` asks). */
  files: number
  /** Bytes copied. */
  bytes: number
  /** Symlinks created. */
  links: number
}

export type Exists = 'overwrite' | 'error' | 'skip'

export interface ManyOptions {
  filter: CopyManyOptions['filter']
  exists: Exists
  dereference: boolean | undefined
  preserveTimestamps: boolean
  concurrency: number | undefined
  signal: AbortSignal | undefined
  onProgress: CopyManyOptions['onProgress']
  /** Clone every file or fail (cp's COPYFILE_FICLONE_FORCE); otherwise clone where the file system can. */
  clone?: 'try' | 'force'
}

export function validateManyOptions(value: unknown): ManyOptions {
  const options = validateObject(value, 'options')
  const overwrite = optionalBoolean(options, 'overwrite') ?? true
  const errorOnExist = optionalBoolean(options, 'errorOnExist') ?? false
  return {
    filter: optionalFunction(options, 'filter'),
    exists: overwrite ? 'overwrite' : errorOnExist ? 'error' : 'skip',
    dereference: optionalBoolean(options, 'dereference'),
    preserveTimestamps: optionalBoolean(options, 'preserveTimestamps') ?? false,
    concurrency: optionalInteger(options, 'concurrency', 1, 1024),
    signal: optionalSignal(options),
    onProgress: optionalFunction(options, 'onProgress'),
  }
}

/**
 * Promise.all that waits for every task before it rejects (with the first failure), so nothing a
 * call started is still running, making directories or links, after the call has settled.
 */
export async function all<T>(tasks: Array<T | Promise<T>>): Promise<T[]> {
  const settled = await Promise.allSettled(tasks)
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) throw failed.reason
  return settled.map((r) => (r as PromiseFulfilledResult<T>).value)
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal)
}

/** A symlink to `target` at `dest`; an existing `dest` is replaced atomically (a link made beside it, renamed over it). */
export async function copySymlink(target: string, dest: string, exists: Exists): Promise<boolean> {
  try {
    await fsp.symlink(target, dest)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || exists === 'error') throw err
    if (exists === 'skip') return false
  }
  const temp = tempPathBeside(dest)
  await fsp.symlink(target, temp)
  try {
    await fsp.rename(temp, dest)
  } catch (err) {
    await fsp.unlink(temp).catch(() => {})
    throw err
  }
  return true
}

/** Every file in one native call: `concurrency` at a time on the threadpool, no JavaScript between them. */
export async function copyAll(pairs: Array<[string, string]>, options: ManyOptions): Promise<{ files: number; bytes: number }> {
  try {
    const { files, bytes } = await copyFilesKernel(pairs, kernelOptions(options, false))
    return { files, bytes: Number(bytes) }
  } catch (err) {
    throw toManyError(err)
  }
}

/** The core's error for one of many files, as copyFile's error (an AbortError passes through). */
export function toManyError(err: unknown, shown: (dest: string) => string = (dest) => dest): unknown {
  const failed = err as { path?: unknown; dest?: unknown }
  return typeof failed?.path === 'string' && typeof failed.dest === 'string' ? toCopyError(err, failed.path, shown(failed.dest)) : err
}

/** The core's copier options for cp and copyFiles. */
export function kernelOptions(options: ManyOptions, fresh: boolean): CopyFilesKernelOptions {
  const { onProgress } = options
  return {
    concurrency: options.concurrency,
    exists: options.exists,
    clone: options.clone ?? 'try',
    preserveTimestamps: options.preserveTimestamps,
    fresh,
    signal: options.signal,
    onProgress: onProgress && ((files, bytes, found) => onProgress({ files, totalFiles: found, bytes: Number(bytes) })),
  }
}
