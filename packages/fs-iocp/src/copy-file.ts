import { constants, promises as fsp } from 'node:fs'
import { copyFileIocp, copyFilesKernel } from '@wsm/core-native'
import {
  type PathLike,
  optionalBoolean,
  optionalFunction,
  optionalInteger,
  optionalOneOf,
  optionalSignal,
  requireUtf8,
  validateMode,
  validateObject,
  validatePath,
} from './args.js'
import { noSuchFile, toCopyError } from './copy-error.js'
import { incompatibleOptions } from './node-errors.js'

const { COPYFILE_EXCL, COPYFILE_FICLONE, COPYFILE_FICLONE_FORCE } = constants

export type CopyStrategy = 'auto' | 'kernel' | 'iocp'

export interface CopyFileProgress {
  /** Bytes of the file copied so far. */
  bytes: number
  /** The file's size. */
  totalBytes: number
}

export interface CopyFileOptions {
  /** As copyFile's third argument: COPYFILE_EXCL, COPYFILE_FICLONE, COPYFILE_FICLONE_FORCE, or'ed. */
  mode?: number
  /**
   * 'auto' (default): the in-kernel copy (reflink, else copy_file_range), or the completion-port
   * pipeline when `unbuffered` is asked for. 'kernel': the in-kernel copy, reflinking only when the
   * mode asks for it. 'iocp': the completion-port pipeline.
   */
  strategy?: CopyStrategy
  /** FILE_FLAG_NO_BUFFERING (O_DIRECT): no page cache left behind. Implies 'iocp'. */
  unbuffered?: boolean
  /** Bytes per read and write of the pipeline (4 KiB to 64 MiB; default 64 KiB, 1 MiB when unbuffered). Implies 'iocp'. */
  bufferSize?: number
  /** Reads and writes in flight (1 to 256; default 4, 8 when unbuffered). Implies 'iocp'. */
  queueDepth?: number
  /** Give the copy the source's access and modification times. */
  preserveTimestamps?: boolean
  signal?: AbortSignal
  /** The pipeline reports every 50 ms or so and at the end; an in-kernel copy once, at the end. */
  onProgress?: (progress: CopyFileProgress) => void
}

const STRATEGIES = ['auto', 'kernel', 'iocp'] as const
const UNBUFFERED_BUFFER_SIZE = 1 << 20
const UNBUFFERED_QUEUE_DEPTH = 8

/**
 * fs.promises.copyFile, with the same arguments, modes, result and errors; or, given an options
 * object instead of a mode, the same copy with a choice of engine, progress and an AbortSignal.
 * A failed or aborted copy leaves no partial destination, and an existing destination is replaced
 * only once the copy is complete.
 */
export async function copyFile(src: PathLike, dest: PathLike, mode?: number): Promise<void>
export async function copyFile(src: PathLike, dest: PathLike, options?: CopyFileOptions): Promise<void>
export async function copyFile(src: PathLike, dest: PathLike, modeOrOptions?: number | CopyFileOptions): Promise<void> {
  const from = validatePath(src, 'src')
  const to = validatePath(dest, 'dest')
  const withOptions = typeof modeOrOptions === 'object' && modeOrOptions !== null
  const options = withOptions ? validateObject(modeOrOptions, 'options') : {}
  const mode = validateMode(withOptions ? options.mode : modeOrOptions)

  if (!withOptions && (from.path === undefined || to.path === undefined)) {
    // Bytes that are not UTF-8 name a file the core cannot open (it takes strings): Node can.
    return fsp.copyFile(from.raw, to.raw, mode)
  }
  const srcPath = requireUtf8(from, 'src')
  const destPath = requireUtf8(to, 'dest')
  // The core refuses an empty path as a bad argument; Node hands it to open(), which says ENOENT.
  if (srcPath === '' || destPath === '') throw noSuchFile(srcPath, destPath)

  const strategy = optionalOneOf(options, 'strategy', STRATEGIES) ?? 'auto'
  const unbuffered = optionalBoolean(options, 'unbuffered') ?? false
  const bufferSize = optionalInteger(options, 'bufferSize', 4096, 64 << 20)
  const queueDepth = optionalInteger(options, 'queueDepth', 1, 256)
  const preserveTimestamps = optionalBoolean(options, 'preserveTimestamps') ?? false
  const signal = optionalSignal(options)
  const onProgress = optionalFunction<(p: CopyFileProgress) => void>(options, 'onProgress')

  const pipelineOption = unbuffered ? 'unbuffered' : bufferSize !== undefined ? 'bufferSize' : queueDepth !== undefined ? 'queueDepth' : undefined
  if (strategy === 'kernel' && pipelineOption) throw incompatibleOptions(`options.${pipelineOption}`, "options.strategy: 'kernel'")
  const iocp = strategy === 'iocp' || pipelineOption !== undefined
  // The pipeline never clones, so it cannot honour a clone that must happen.
  if (iocp && mode & COPYFILE_FICLONE_FORCE) {
    throw incompatibleOptions('options.mode: COPYFILE_FICLONE_FORCE', pipelineOption ? `options.${pipelineOption}` : "options.strategy: 'iocp'")
  }

  try {
    if (iocp) {
      // The pipeline does not carry timestamps: they are read before and set after the copy.
      const times = preserveTimestamps ? await fsp.stat(srcPath, { bigint: true }).catch(() => undefined) : undefined
      await copyFileIocp(srcPath, destPath, {
        exclusive: (mode & COPYFILE_EXCL) !== 0,
        unbuffered,
        // Unbuffered I/O goes to the device for every request: fewer, larger ones cost far less
        // system CPU (1 MiB x 8 measured at a fifth of the default 64 KiB x 4's).
        bufferSize: bufferSize ?? (unbuffered ? UNBUFFERED_BUFFER_SIZE : undefined),
        pendingIos: queueDepth ?? (unbuffered ? UNBUFFERED_QUEUE_DEPTH : undefined),
        signal,
        onProgress: onProgress && ((copied, total) => onProgress({ bytes: Number(copied), totalBytes: Number(total) })),
      })
      // Seconds as a double: sub-microsecond precision, where Date objects would keep milliseconds.
      if (times) await fsp.utimes(destPath, Number(times.atimeNs) / 1e9, Number(times.mtimeNs) / 1e9)
      return
    }
    const clone = mode & COPYFILE_FICLONE_FORCE ? 'force' : strategy === 'auto' || mode & COPYFILE_FICLONE ? 'try' : 'never'
    await copyFilesKernel([[srcPath, destPath]], {
      concurrency: 1,
      exists: mode & COPYFILE_EXCL ? 'error' : 'overwrite',
      clone,
      preserveTimestamps,
      signal,
      onProgress:
        onProgress &&
        ((files, bytes) => {
          // An in-kernel copy has nothing to tell until its one call returns.
          if (files === 1) onProgress({ bytes: Number(bytes), totalBytes: Number(bytes) })
        }),
    })
  } catch (err) {
    throw toCopyError(err, from.shown, to.shown)
  }
}
