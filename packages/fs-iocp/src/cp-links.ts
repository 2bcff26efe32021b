// How cp copies a symlink onto a name that may be taken: what fs.cp refuses (onLink in
// lib/internal/fs/cp/cp.js), then copySymlink. Guarded by test/cp-node-compat.test.ts.
import { promises as fsp } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import { type Exists, copySymlink } from './copy-many.js'
import { alreadyExists, intoItself, linkOverItsSubdirectory, nonDirToDir } from './cp-errors.js'
import { isSubdirPath } from './cp-paths.js'

/**
 * Copies the link `src` to `dest` (`shown` is the name errors give it), its target verbatim, or
 * with `resolveTarget` a relative one made absolute from `src`'s directory (fs.cp's default). Over a
 * directory it is ERR_FS_CP_NON_DIR_TO_DIR. Over another link, Node's two refusals hold, with both
 * targets taken as the links resolve them: ERR_FS_CP_EINVAL when the old link points inside what
 * the new one points at, ERR_FS_CP_SYMLINK_TO_SUBDIRECTORY when the new one points at a directory
 * inside what the old one points at; one pointing where it points already is replaced. `exists`
 * applies to links as to files (see the README). Resolves whether a link was made.
 */
export async function copyLinkForCp(src: string, dest: string, shown: string, exists: Exists, resolveTarget: boolean): Promise<boolean> {
  const read = await fsp.readlink(src)
  const target = resolveTarget && !isAbsolute(read) ? resolve(dirname(src), read) : read
  const destStat = await fsp.lstat(dest).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined
    throw err
  })
  if (destStat?.isDirectory()) throw nonDirToDir(src, shown)
  if (destStat && exists === 'skip') return false
  if (destStat && exists === 'error') throw alreadyExists(shown)
  if (destStat?.isSymbolicLink()) {
    const resolvedSrc = resolve(dirname(src), target)
    const resolvedDest = resolve(dirname(dest), await fsp.readlink(dest))
    // The same target again (a tree copied over its earlier copy) is replaced, where Node 20 calls
    // it a copy into itself (nodejs/node#58468).
    if (resolvedSrc === resolvedDest) return copySymlink(target, dest, exists)
    if (isSubdirPath(resolvedSrc, resolvedDest)) throw intoItself(resolvedSrc, resolvedDest, shown)
    const pointsAtDir = await fsp.stat(src).then((st) => st.isDirectory(), () => false)
    if (pointsAtDir && isSubdirPath(resolvedDest, resolvedSrc)) throw linkOverItsSubdirectory(resolvedSrc, resolvedDest, shown)
  }
  return copySymlink(target, dest, exists)
}
