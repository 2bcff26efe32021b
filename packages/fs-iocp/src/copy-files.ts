import { promises as fsp } from 'node:fs'
import { dirname } from 'node:path'
import { type PathLike, requireUtf8, validatePath } from './args.js'
import {
  type CopyManyOptions,
  type CopyManyResult,
  all,
  copyAll,
  copySymlink,
  throwIfAborted,
  validateManyOptions,
} from './copy-many.js'
import { noSuchFile } from './copy-error.js'
import { invalidArgType } from './node-errors.js'

/**
 * Copies a list of [src, dest] files, many at once, in one native call: what a build tool does
 * with the files it has just resolved. Missing parent directories of the destinations are
 * created. Symlinks are followed unless `dereference: false`. The first failure stops the rest:
 * files already copied stay, none is left partial.
 */
export async function copyFiles(
  pairs: Iterable<readonly [PathLike, PathLike]>,
  options?: CopyManyOptions,
): Promise<CopyManyResult> {
  // A typed array holds numbers, never pairs (and iterating a detached one throws V8's own error).
  if (pairs === null || typeof pairs !== 'object' || ArrayBuffer.isView(pairs) || typeof (pairs as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw invalidArgType('pairs', 'an iterable of [src, dest] pairs', pairs)
  }
  const list: Array<[string, string]> = []
  let i = 0
  for (const pair of pairs) {
    if (pair === null || typeof pair !== 'object' || (pair as ArrayLike<unknown>).length !== 2) {
      throw invalidArgType(`pairs[${i}]`, 'a [src, dest] pair', pair)
    }
    const src = requireUtf8(validatePath(pair[0], `pairs[${i}][0]`), `pairs[${i}][0]`)
    const dest = requireUtf8(validatePath(pair[1], `pairs[${i}][1]`), `pairs[${i}][1]`)
    if (src === '' || dest === '') throw noSuchFile(src, dest)
    list.push([src, dest])
    i++
  }
  const opts = validateManyOptions(options)
  const { filter, signal } = opts
  throwIfAborted(signal)

  let chosen = list
  if (filter) {
    const keep = await all(list.map(([src, dest]) => filter(src, dest)))
    chosen = list.filter((_, j) => keep[j])
    throwIfAborted(signal)
  }

  let files = chosen
  let links: Array<[string, string]> = []
  if (opts.dereference === false) {
    const stats = await all(chosen.map(([src]) => fsp.lstat(src)))
    files = chosen.filter((_, j) => !stats[j]!.isSymbolicLink())
    links = chosen.filter((_, j) => stats[j]!.isSymbolicLink())
    throwIfAborted(signal)
  }

  await all([...new Set(chosen.map(([, dest]) => dirname(dest)))].map((dir) => fsp.mkdir(dir, { recursive: true })))
  throwIfAborted(signal)

  const made = await all(links.map(async ([src, dest]) => copySymlink(await fsp.readlink(src), dest, opts.exists)))
  const done = await copyAll(files, opts)
  return { ...done, links: made.filter(Boolean).length }
}
