// The temporary names this package gives things it builds in place of a destination: cp's new
// tree, a symlink that replaces another. The same rule as the core's copiers (core-native
// src/os/linux/fs_util.cc, TempPathBeside), so every leftover has one recognisable shape.
import { randomBytes } from 'node:crypto'
import { basename, dirname, join } from 'node:path'

/** NAME_MAX: the longest name (one path component) Linux file systems take, in bytes. */
const NAME_MAX = 255

/**
 * `<name>.wsm-<pid>-<8 hex>.tmp` beside `path` (`.<name>.wsm-…` when `hidden`), with `<name>` cut
 * on a UTF-8 character boundary so that the whole fits NAME_MAX however long `path`'s name is.
 * Guarded by test/temp-names.test.ts.
 */
export function tempPathBeside(path: string, hidden = false): string {
  const suffix = `.wsm-${process.pid}-${randomBytes(4).toString('hex')}.tmp`
  const prefix = hidden ? '.' : ''
  const name = Buffer.from(basename(path))
  let keep = Math.min(name.length, NAME_MAX - prefix.length - suffix.length)
  // name[keep] continuing a character (10xxxxxx) means the cut would split it.
  if (keep < name.length) while (keep > 0 && (name[keep]! & 0xc0) === 0x80) keep--
  return join(dirname(path), prefix + name.subarray(0, keep).toString('utf8') + suffix)
}
