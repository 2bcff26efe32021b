// The core's errors, reshaped as the errors of fs.promises.copyFile.
import { getSystemErrorMap, getSystemErrorName } from 'node:util'

/** What a failed copy rejects with: the fields and message of fs.promises.copyFile's errors. */
export interface CopyError extends Error {
  errno: number
  code: string
  syscall: 'copyfile'
  path: string
  dest: string
  /** The core's own error, which names the call that failed (open, rename, copy_file_range, ...). */
  cause?: unknown
}

interface CoreFailure {
  errno?: unknown
  code?: unknown
  name?: string
}

let descriptions: Map<number, [string, string]> | undefined

/**
 * `ENOENT: no such file or directory, copyfile 'a' -> 'b'` with errno, code, syscall, path and
 * dest, as Node words them. Anything that is not a system error (an AbortError, a bug) passes
 * through unchanged.
 */
export function toCopyError(err: unknown, src: string, dest: string): unknown {
  const failure = err as CoreFailure | null
  if (!failure || typeof failure.errno !== 'number' || failure.errno >= 0 || failure.name === 'AbortError') return err
  const errno = failure.errno
  descriptions ??= getSystemErrorMap()
  let code: string
  try {
    // From the number, not the core's code: the core says EWOULDBLOCK where Node says EAGAIN.
    code = getSystemErrorName(errno)
  } catch {
    code = String(failure.code)
  }
  if (!/^E[A-Z0-9]+$/.test(code) && typeof failure.code === 'string') code = failure.code
  const description = descriptions.get(errno)?.[1] ?? 'unknown error'
  const out = new Error(`${code}: ${description}, copyfile '${src}' -> '${dest}'`, { cause: err }) as CopyError
  out.errno = errno
  out.code = code
  out.syscall = 'copyfile'
  out.path = src
  out.dest = dest
  Error.captureStackTrace(out, toCopyError)
  return out
}

/** ENOENT for an empty path, which names no file: what the kernel (and so Node) answers for it. */
export function noSuchFile(src: string, dest: string): unknown {
  return toCopyError({ errno: -2, code: 'ENOENT' }, src, dest)
}
