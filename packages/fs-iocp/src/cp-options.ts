// cp's options: fs.cp's own, checked as Node 20 checks them (lib/internal/fs/utils.js
// validateCpOptions), plus this package's. Guarded by test/cp-options.test.ts.
import { constants } from 'node:fs'
import { optionalBoolean, validateObject } from './args.js'
import { type CopyManyOptions, type ManyOptions, validateManyOptions } from './copy-many.js'
import { incompatibleOptions, invalidArgType, outOfRange } from './node-errors.js'

export interface CpOptions extends CopyManyOptions {
  /** fs.cp's name for `overwrite`: replace files that exist (default true). */
  force?: boolean
  /** fs.cp's copy mode for every file: COPYFILE_FICLONE_FORCE fails with ENOTSUP where the file system cannot clone; the other flags change nothing (files are cloned when possible anyway; see the README). */
  mode?: number | null
  /** Accepted as fs.cp accepts it; `cp` is always recursive. */
  recursive?: boolean
  /** Copy symlink targets as they are (the default here, unlike fs.cp's). `false` makes a relative target absolute, resolved from the source link's directory, as fs.cp does. Not with `dereference`. */
  verbatimSymlinks?: boolean
}

export interface ParsedCpOptions extends ManyOptions {
  /** `verbatimSymlinks: false`: relative link targets are made absolute. */
  resolveLinks: boolean
}

/**
 * fs.cp's option checks first (the same errors, in the same order), then this package's own
 * options (`concurrency`, `signal`, `onProgress`). `force` and `overwrite` are one option under
 * two names: given both, they must agree.
 */
export function validateCpOptions(value: unknown): ParsedCpOptions {
  const options = validateObject(value, 'options')
  for (const key of ['dereference', 'errorOnExist', 'force', 'preserveTimestamps', 'recursive', 'verbatimSymlinks']) optionalBoolean(options, key)
  const mode = copyMode(options.mode)
  if (options.dereference === true && options.verbatimSymlinks === true) throw incompatibleOptions('dereference', 'verbatimSymlinks')
  const { force, overwrite } = options
  if (force !== undefined && overwrite !== undefined && force !== overwrite) throw incompatibleOptions('force', 'overwrite')
  const many = validateManyOptions({ ...options, overwrite: force ?? overwrite })
  return { ...many, clone: mode & constants.COPYFILE_FICLONE_FORCE ? 'force' : 'try', resolveLinks: options.verbatimSymlinks === false }
}

/** Node's getValidMode(mode, 'copyFile'): an integer from 0 to 7; null and undefined are 0. */
function copyMode(mode: unknown): number {
  if (mode === undefined || mode === null) return 0
  if (typeof mode !== 'number') throw invalidArgType('mode', 'of type number', mode)
  if (!Number.isInteger(mode)) throw outOfRange('mode', 'an integer', mode)
  if (mode < 0 || mode > 7) throw outOfRange('mode', '>= 0 && <= 7', mode)
  return mode
}
