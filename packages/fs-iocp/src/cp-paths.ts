// Where cp's source and destination lie relative to each other: the checks fs.cp makes before it
// copies anything (lib/internal/fs/cp/cp.js checkPaths, checkParentPaths, isSrcSubdir), which
// keep a copy from writing into the tree it is reading. Guarded by test/cp-node-compat.test.ts.
import { type Stats, promises as fsp } from 'node:fs'
import { dirname, parse, resolve, sep } from 'node:path'
import { intoItself } from './cp-errors.js'

/** `inner` is `outer` or lies under it, by the names in the paths alone (Node's isSrcSubdir). */
export function isSubdirPath(outer: string, inner: string): boolean {
  const o = resolve(outer).split(sep).filter(Boolean)
  const i = resolve(inner).split(sep).filter(Boolean)
  return o.every((name, k) => i[k] === name)
}

export const sameInode = (a: Stats, b: Stats): boolean => a.ino === b.ino && a.dev === b.dev

/**
 * Refuses a destination inside the source directory however it is reached: each directory above
 * `dest` is stat'ed (following symlinks) and compared with the source by inode, as Node does, so a
 * symlink or a bind mount on the way does not hide the source. Unlike Node, a directory above
 * `dest` that does not exist yet does not end the search (the ones above it are looked at too):
 * `cp('s', 'link-to-s/new/x')` would otherwise make s/new and copy s into itself.
 */
export async function refuseDestInsideSource(src: string, srcStat: Stats, dest: string): Promise<void> {
  const srcParent = resolve(dirname(src))
  for (let dir = resolve(dirname(dest)); dir !== srcParent && dir !== parse(dir).root; dir = dirname(dir)) {
    let st: Stats
    try {
      st = await fsp.stat(dir)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue
      throw err
    }
    if (sameInode(st, srcStat)) throw intoItself(src, dest)
  }
}
