// The errors fs.cp raises for what it refuses (ERR_FS_CP_*), shaped as Node 20 shapes them
// (lib/internal/errors.js SystemError, lib/internal/fs/cp/cp.js): code, errno (positive), syscall
// 'cp', path, info, and the message "<what>: cp returned <CODE> (<detail>) <path>".
// test/cp-node-compat.test.ts compares them field by field with fs.promises.cp's.
import { constants } from 'node:os'

/** What each code says first, word for word as Node's E() definitions. */
const PREFIX = {
  ERR_FS_CP_DIR_TO_NON_DIR: 'Cannot overwrite non-directory with directory',
  ERR_FS_CP_EEXIST: 'Target already exists',
  ERR_FS_CP_EINVAL: 'Invalid src or dest',
  ERR_FS_CP_FIFO_PIPE: 'Cannot copy a FIFO pipe',
  ERR_FS_CP_NON_DIR_TO_DIR: 'Cannot overwrite directory with non-directory',
  ERR_FS_CP_SOCKET: 'Cannot copy a socket file',
  ERR_FS_CP_SYMLINK_TO_SUBDIRECTORY: 'Cannot overwrite symlink in subdirectory of self',
  ERR_FS_CP_UNKNOWN: 'Cannot copy an unknown file type',
} as const

export type CpErrorCode = keyof typeof PREFIX

/** The system error each refusal stands for, as Node gives it in `info.code` and `errno`. */
type Reason = 'EINVAL' | 'EISDIR' | 'ENOTDIR' | 'EEXIST'

export interface CpErrorInfo {
  message: string
  path: string
  syscall: 'cp'
  errno: number
  code: Reason
}

/** Node's SystemError for fs.cp: `name` 'SystemError', `errno` and `syscall` read from `info`. */
export class CpError extends Error {
  declare readonly code: CpErrorCode
  declare readonly info: CpErrorInfo
  declare readonly errno: number
  declare readonly syscall: 'cp'
  declare readonly path: string

  constructor(code: CpErrorCode, reason: Reason, detail: string, path: string) {
    const info: CpErrorInfo = { message: detail, path, syscall: 'cp', errno: constants.errno[reason], code: reason }
    super(`${PREFIX[code]}: cp returned ${reason} (${detail}) ${path}`)
    // The same own properties as Node's (enumerable: code, info, errno, syscall, path; name and message not).
    Object.defineProperties(this, {
      name: { value: `SystemError [${code}]`, writable: true, configurable: true },
      code: { value: code, enumerable: true, writable: true, configurable: true },
      info: { value: info, enumerable: true, configurable: true },
      errno: { get: () => info.errno, enumerable: true, configurable: true },
      syscall: { get: () => info.syscall, enumerable: true, configurable: true },
      path: { get: () => info.path, enumerable: true, configurable: true },
    })
    Error.captureStackTrace(this, CpError)
    void this.stack // formatted now, headed "SystemError [ERR_FS_CP_...]: ..." as Node's
    this.name = 'SystemError'
  }

  override toString(): string {
    return `${this.name} [${this.code}]: ${this.message}`
  }
}

export const sameFile = (dest: string): CpError => new CpError('ERR_FS_CP_EINVAL', 'EINVAL', 'src and dest cannot be the same', dest)

/** `path` is the destination being written: for two links, not the target named in the message. */
export const intoItself = (src: string, dest: string, path = dest): CpError =>
  new CpError('ERR_FS_CP_EINVAL', 'EINVAL', `cannot copy ${src} to a subdirectory of self ${dest}`, path)

export const dirToNonDir = (src: string, dest: string): CpError =>
  new CpError('ERR_FS_CP_DIR_TO_NON_DIR', 'EISDIR', `cannot overwrite non-directory ${dest} with directory ${src}`, dest)

export const nonDirToDir = (src: string, dest: string): CpError =>
  new CpError('ERR_FS_CP_NON_DIR_TO_DIR', 'ENOTDIR', `cannot overwrite directory ${dest} with non-directory ${src}`, dest)

export const alreadyExists = (dest: string): CpError => new CpError('ERR_FS_CP_EEXIST', 'EEXIST', `${dest} already exists`, dest)

export const linkOverItsSubdirectory = (target: string, destTarget: string, dest: string): CpError =>
  new CpError('ERR_FS_CP_SYMLINK_TO_SUBDIRECTORY', 'EINVAL', `cannot overwrite ${destTarget} with ${target}`, dest)

/** A FIFO, a socket or another type cp refuses; Node names the destination. */
export function refusedType(kind: 'fifo' | 'socket' | 'unknown', dest: string): CpError {
  if (kind === 'fifo') return new CpError('ERR_FS_CP_FIFO_PIPE', 'EINVAL', `cannot copy a FIFO pipe: ${dest}`, dest)
  if (kind === 'socket') return new CpError('ERR_FS_CP_SOCKET', 'EINVAL', `cannot copy a socket file: ${dest}`, dest)
  return new CpError('ERR_FS_CP_UNKNOWN', 'EINVAL', `cannot copy an unknown file type: ${dest}`, dest)
}
