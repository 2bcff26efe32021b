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
  const out = nodeSystemError(failure.errno, 'copyfile', src, dest, err, typeof failure.code === 'string' ? failure.code : undefined)
  Error.captureStackTrace(out, toCopyError)
  return out as CopyError
}

/**
 * The error node:fs gives when `syscall` on `path` (and `dest`) fails with `errno` (negative):
 * `CODE: description, syscall 'path' -> 'dest'`, with errno, code, syscall, path and dest.
 * `fallbackCode` names the error where Node has no name for the number.
 */
export function nodeSystemError(errno: number, syscall: string, path: string, dest: string | undefined, cause: unknown, fallbackCode?: string): NodeJS.ErrnoException & { dest?: string } {
  descriptions ??= getSystemErrorMap()
  let code: string
  try {
    // From the number, not the core's code: the core says EWOULDBLOCK where Node says EAGAIN.
    code = getSystemErrorName(errno)
  } catch {
    code = fallbackCode ?? 'UNKNOWN'
  }
  if (!/^E[A-Z0-9]+$/.test(code) && fallbackCode !== undefined) code = fallbackCode
  const description = descriptions.get(errno)?.[1] ?? 'unknown error'
  const out = new Error(`${code}: ${description}, ${syscall} '${path}'${dest === undefined ? '' : ` -> '${dest}'`}`, { cause }) as NodeJS.ErrnoException & { dest?: string }
  out.errno = errno
  out.code = code
  out.syscall = syscall
  out.path = path
  if (dest !== undefined) out.dest = dest
  Error.captureStackTrace(out, nodeSystemError)
  return out
}

/** ENOENT for an empty path, which names no file: what the kernel (and so Node) answers for it. */
export function noSuchFile(src: string, dest: string): unknown {
  return toCopyError({ errno: -2, code: 'ENOENT' }, src, dest)
}
