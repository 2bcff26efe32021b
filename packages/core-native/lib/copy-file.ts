// The completion-port file copier (src/copy/file_copy.cc), as a promise.
import { ECANCELED, abortError } from './abort-error.js'
import { native } from './binding.js'
import { invalidArgument, invalidType, systemError, type WsmError } from './errors.js'
import { ensureIo } from './io-dispatch.js'

export interface CopyFileIocpOptions {
  /** Bytes per read/write (default 64 KiB; rounded up to 4 KiB when unbuffered). */
  bufferSize?: number
  /** Reads and writes in flight (default 4). */
  pendingIos?: number
  /** FILE_FLAG_NO_BUFFERING: O_DIRECT on both files; no page cache left behind. */
  unbuffered?: boolean
  /** COPYFILE_EXCL: fail with EEXIST if `dest` exists (checked first, and atomically at the end). */
  exclusive?: boolean
  /**
   * Aborting rejects with an AbortError and leaves nothing (no destination, or the old one
   * intact, and no temporary file), unless the copy is already in place: then it resolves.
   */
  signal?: AbortSignal
  /**
   * Called at most every 50 ms while copying, and once when the copy is in place: only that last
   * call has `copied === total`, and an abort from it (or later) no longer stops the copy.
   */
  onProgress?: (copied: bigint, total: bigint) => void
}

/** A failed copy: a WsmError with the paths, as Node's fs errors carry them. */
export interface CopyFileError extends WsmError {
  path: string
  dest: string
}

function checkInt(name: string, value: unknown, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number') throw invalidType(name, 'a number', value)
  if (!Number.isInteger(value) || value < min || value > max) throw invalidArgument('copyfile', `The "${name}" option must be an integer from ${min} to ${max}`)
  return value
}

/**
 * Copies `src` to `dest` through the completion engine: `pendingIos` reads and writes of
 * `bufferSize` bytes in flight, buffered or unbuffered. The copy is written beside `dest` under a
 * temporary name and renamed into place, so a failed or aborted copy leaves no partial
 * destination (and an existing `dest` intact). Keeps the source's mode. Resolves the bytes copied.
 */
export async function copyFileIocp(src: string, dest: string, options: CopyFileIocpOptions = {}): Promise<{ bytes: bigint }> {
  if (typeof src !== 'string') throw invalidType('src', 'a string', src)
  if (typeof dest !== 'string') throw invalidType('dest', 'a string', dest)
  if (typeof options !== 'object' || options === null) throw invalidType('options', 'an object', options)
  const bufferSize = checkInt('bufferSize', options.bufferSize, 4096, 64 << 20) ?? 64 * 1024
  const pendingIos = checkInt('pendingIos', options.pendingIos, 1, 256) ?? 4
  for (const name of ['unbuffered', 'exclusive'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'boolean') throw invalidType(`options.${name}`, 'a boolean', options[name])
  }
  const { signal, onProgress } = options
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidType('options.signal', 'an AbortSignal', signal)
  if (onProgress !== undefined && typeof onProgress !== 'function') throw invalidType('options.onProgress', 'a function', onProgress)
  if (signal?.aborted) throw abortError(signal)
  ensureIo()

  return new Promise((resolve, reject) => {
    const onAbort = () => job.abort()
    const job = new native.FileCopyJob(
      src,
      dest,
      bufferSize,
      pendingIos,
      options.unbuffered ?? false,
      options.exclusive ?? false,
      onProgress,
      (errno: number, syscall: string, onSource: boolean, bytes: bigint) => {
        signal?.removeEventListener('abort', onAbort)
        if (errno === 0) return resolve({ bytes })
        if (errno === ECANCELED && signal?.aborted) return reject(abortError(signal))
        const err = systemError(errno, syscall, `${syscall} '${onSource ? src : dest}' (copying '${src}' to '${dest}')`) as CopyFileError
        err.path = src
        err.dest = dest
        reject(err)
      },
    )
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
