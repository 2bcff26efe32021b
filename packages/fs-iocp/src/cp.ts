import { type Dirent, type Stats, promises as fsp } from 'node:fs'
import { basename, dirname, join, normalize, relative, sep } from 'node:path'
import { type PathLike, requireUtf8, validatePath } from './args.js'
import { type KernelCopyResult, openKernelCopier } from '@wsm/core-native'
import {
  type CopyManyResult,
  all,
  kernelOptions,
  throwIfAborted,
  toManyError,
} from './copy-many.js'
import { nodeSystemError } from './copy-error.js'
import { alreadyExists, dirToNonDir, intoItself, nonDirToDir, refusedType, sameFile } from './cp-errors.js'
import { copyLinkForCp } from './cp-links.js'
import { type CpOptions, type ParsedCpOptions, validateCpOptions } from './cp-options.js'
import { isSubdirPath, refuseDestInsideSource, sameInode } from './cp-paths.js'
import { tempPathBeside } from './temp-name.js'

/** A directory cp made, with what it gets at the end: its source's mode and times (seconds), deepest first. */
interface Made {
  dest: string
  mode: number
  atime: number
  mtime: number
  depth: number
}

const made = (dest: string, stat: Stats, depth: number): Made => ({ dest, mode: stat.mode & 0o7777, atime: stat.atimeMs / 1000, mtime: stat.mtimeMs / 1000, depth })

/** What the walk found: the links, the directories it made; the files go to the copier as it finds them. */
interface Plan {
  /** Hands files to the core's copier, which starts on them at once. */
  add: (files: Array<[string, string]>) => void
  links: Array<[string, string]>
  made: Made[]
  /** Set by the first failure: the rest of the walk stops starting work. */
  failed: boolean
  /** The destinations are in a new tree under a temporary name, which no one else writes into. */
  fresh: boolean
  /** The name a destination is known by (given to `filter`, named in errors): in a new tree, the one it will have once renamed into place. */
  shown: (dest: string) => string
}

/**
 * Copies a tree (or one file, or one symlink) like fs.promises.cp with `recursive: true`: the
 * directories are made as the walk finds them, then every file goes to the kernel in one call,
 * many at once. Directories get their sources' modes once their contents are in. Symlinks are
 * copied as symlinks, their targets verbatim (relative ones made absolute with
 * `verbatimSymlinks: false`), unless `dereference`. What fs.cp refuses is refused with its errors.
 *
 * A directory copied to a destination that does not exist is built beside it under a temporary
 * name (`.<name>.wsm-<pid>-<hex>.tmp`) and renamed into place once complete: a failure or an abort
 * removes it, so such a copy leaves either the whole tree or nothing. Into an existing directory,
 * the tree is merged, and the first failure stops the rest: what was copied before it stays, no
 * file is left partial.
 */
export async function cp(src: PathLike, dest: PathLike, options?: CpOptions): Promise<CopyManyResult> {
  const from = requireUtf8(validatePath(src, 'src'), 'src')
  const to = requireUtf8(validatePath(dest, 'dest'), 'dest')
  const opts = validateCpOptions(options)
  const dereference = opts.dereference ?? false
  throwIfAborted(opts.signal)

  // As fs.cp: the filter is asked before anything is looked at, so a root it refuses need not exist.
  if (opts.filter && !(await opts.filter(from, to))) return { files: 0, bytes: 0, links: 0 }
  const srcStat = await (dereference ? fsp.stat(from) : fsp.lstat(from))
  return copyRoot(from, to, srcStat, opts, dereference, true)
}

/** fs.cp's checks on the root (checkPaths, checkParentPaths), in its order, then the copy. */
async function copyRoot(from: string, to: string, srcStat: Stats, opts: ParsedCpOptions, dereference: boolean, mayBuildNew: boolean): Promise<CopyManyResult> {
  // With `dereference` a link at dest is followed too, as fs.cp does: a link to a directory is merged into.
  const destStat = await (dereference ? fsp.stat(to) : fsp.lstat(to)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined
    throw err
  })
  if (destStat && sameInode(destStat, srcStat)) throw sameFile(to)
  if (destStat && srcStat.isDirectory() && !destStat.isDirectory()) throw dirToNonDir(from, to)
  if (destStat && !srcStat.isDirectory() && destStat.isDirectory()) throw nonDirToDir(from, to)
  if (srcStat.isDirectory()) {
    if (isSubdirPath(from, to)) throw intoItself(from, to)
    await refuseDestInsideSource(from, srcStat, to)
  }
  await fsp.mkdir(dirname(to), { recursive: true })
  if (mayBuildNew && srcStat.isDirectory() && !destStat) {
    const built = await buildNew(from, to, srcStat, opts, dereference)
    // Undefined: `to` was taken meanwhile (or the temporary name's path is past PATH_MAX): merge as into an existing directory.
    return built ?? copyRoot(from, to, srcStat, opts, dereference, false)
  }
  const plan: Plan = { add: () => {}, links: [], made: [], failed: false, fresh: false, shown: (d) => d }
  return copyPlan(from, to, srcStat, plan, opts, dereference)
}

/**
 * The tree built under a temporary name beside `to`, then renamed to `to`. Inside it every name is
 * new, so the core creates each file directly under its name (`fresh`): no stat of a destination,
 * no temporary file, no rename per file. On failure or abort the temporary tree is removed.
 */
async function buildNew(from: string, to: string, srcStat: Stats, opts: ParsedCpOptions, dereference: boolean): Promise<CopyManyResult | undefined> {
  const temp = tempPathBeside(to, true)
  try {
    await fsp.mkdir(temp)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENAMETOOLONG') return undefined
    throw err
  }
  const shown = (d: string): string => (d === temp ? to : d.startsWith(temp + sep) ? join(to, d.slice(temp.length)) : d)
  const plan: Plan = { add: () => {}, links: [], made: [], failed: false, fresh: true, shown }
  let result: CopyManyResult
  try {
    result = await copyPlan(from, temp, srcStat, plan, opts, dereference, true)
    throwIfAborted(opts.signal)
    // rename(2) replaces an empty directory that appeared at `to` meanwhile (as a merge into it
    // would); a non-empty one (ENOTEMPTY, EEXIST) or a file (ENOTDIR) makes it fail.
    await fsp.rename(temp, to)
  } catch (err) {
    await removeTree(temp)
    const code = (err as NodeJS.ErrnoException).code
    if ((code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR') && (err as NodeJS.ErrnoException).syscall === 'rename') return undefined
    throw renamed(err, temp, shown)
  }
  return result
}

/**
 * The walk and the copies overlap: the core's copier starts on a directory's files as soon as the
 * walk has read it (and made its destination), while the walk goes on. Links are made once the
 * walk is done, directories get their modes once every file is in.
 */
async function copyPlan(from: string, to: string, srcStat: Stats, plan: Plan, opts: ParsedCpOptions, dereference: boolean, rootMade = false): Promise<CopyManyResult> {
  // The core copies links verbatim only.
  if (plan.fresh && rootMade && !opts.filter && !dereference && !opts.resolveLinks && srcStat.isDirectory()) return copyNewTree(from, to, srcStat, plan, opts)
  const copier = openKernelCopier(kernelOptions(opts, plan.fresh))
  plan.add = (files) => {
    if (files.length > 0) copier.add(files)
  }
  // The copier's own failure (or the signal's abort) stops the walk; one we cause by stopping it is not a failure.
  const state: { failure?: { err: unknown }; stopping: boolean } = { stopping: false }
  const copying = copier.done.then(
    (done) => done,
    (err: unknown) => {
      if (!state.stopping) state.failure = { err }
      plan.failed = true
      return undefined
    },
  )
  let links: boolean[]
  try {
    await visit(from, to, srcStat, 0, new Set(), plan, opts, dereference, rootMade)
    throwIfAborted(opts.signal)
    if (state.failure) throw state.failure.err
    links = await all(plan.links.map(([s, d]) => copyLinkForCp(s, d, plan.shown(d), opts.exists, opts.resolveLinks)))
  } catch (err) {
    // Nothing of this call may still be copying when it settles.
    if (!state.failure) {
      state.stopping = true
      copier.stop()
    }
    await copying
    throw state.failure ? await asRefusal(toManyError(state.failure.err, plan.shown)) : err
  }
  copier.end()
  const done = await copying
  const failure = state.failure as { err: unknown } | undefined // set by the callback above, which TypeScript cannot see
  if (failure || !done) throw await asRefusal(toManyError(failure?.err, plan.shown))
  await settleDirectories(plan.made, opts.preserveTimestamps)
  return { files: done.files, bytes: Number(done.bytes), links: links.filter(Boolean).length }
}

async function visit(src: string, dest: string, stat: Stats, depth: number, ancestors: Set<string>, plan: Plan, opts: ParsedCpOptions, dereference: boolean, made = false): Promise<void> {
  if (stat.isFile()) {
    plan.add([[src, dest]])
  } else if (stat.isSymbolicLink()) {
    plan.links.push([src, dest])
  } else if (stat.isDirectory()) {
    await walk(src, dest, stat, depth, ancestors, plan, opts, dereference, made)
  } else {
    // A FIFO: opening it would block a thread of the pool until a writer comes. A device: fs.cp
    // copies what reading it gives (nothing for /dev/null, forever for /dev/zero); cp refuses it.
    throw refusedType(stat.isFIFO() ? 'fifo' : stat.isSocket() ? 'socket' : 'unknown', plan.shown(dest))
  }
}

/** `dir` normalized, as the prefix of its entries' paths: join(dir, name) is then prefix + name. */
function prefixOf(dir: string): string {
  const n = normalize(dir)
  if (n === '.' || n === `.${sep}`) return ''
  return n.endsWith(sep) ? n : n + sep
}

async function walk(src: string, dest: string, stat: Stats, depth: number, ancestors: Set<string>, plan: Plan, opts: ParsedCpOptions, dereference: boolean, rootMade: boolean): Promise<void> {
  if (plan.failed) return
  const id = `${stat.dev}:${stat.ino}`
  if (ancestors.has(id)) throw intoItself(src, plan.shown(dest))
  const makeDir = async (): Promise<void> => {
    if (rootMade) return void plan.made.push(made(dest, stat, depth))
    try {
      await fsp.mkdir(dest)
      plan.made.push(made(dest, stat, depth))
    } catch (err) {
      // In a new tree no name is taken: EEXIST there is a failure like any other.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || plan.fresh) throw err
      // Merged into, as fs.cp does; its mode and times stay its own. With `dereference`, a link to
      // a directory is merged into too, as fs.cp does (test/cp-node-compat.test.ts, "dest is a symlink").
      if (!(await (dereference ? fsp.stat(dest) : fsp.lstat(dest))).isDirectory()) throw dirToNonDir(src, plan.shown(dest))
    }
  }
  // The directory is made and read at once (two threads of the pool): the walk's critical path is
  // one round trip per level, not two. Both settle before anything else happens.
  const entries = (await all<void | Dirent[]>([makeDir(), fsp.readdir(src, { withFileTypes: true })]))[1] as Dirent[]
  if (plan.failed) return
  throwIfAborted(opts.signal)
  const inside = dereference ? new Set(ancestors).add(id) : ancestors
  const { filter } = opts
  // join() costs more than the copy's own bookkeeping here: 20,000 of them for 10,000 files.
  const srcPrefix = prefixOf(src)
  const destPrefix = prefixOf(dest)
  // This directory's files, handed to the copier together.
  const files: Array<[string, string]> = []
  const one = async (s: string, d: string, isFile: boolean, isLink: boolean): Promise<void> => {
    try {
      if (filter && !(await filter(s, plan.shown(d)))) return
      // The entry's type is known from readdir: a file costs no stat here (its mode is read by the copy itself).
      if (isFile) return void files.push([s, d])
      if (isLink && !dereference) return void plan.links.push([s, d])
      const st = await (dereference ? fsp.stat(s) : fsp.lstat(s))
      return await visit(s, d, st, depth + 1, inside, plan, opts, dereference)
    } catch (err) {
      plan.failed = true
      throw err
    }
  }
  const tasks: Array<Promise<void>> = []
  for (const entry of entries) {
    const s = srcPrefix + entry.name
    const d = destPrefix + entry.name
    const isFile = entry.isFile()
    const isLink = entry.isSymbolicLink()
    // Without a filter, files and links need no promise of their own.
    if (!filter && isFile) files.push([s, d])
    else if (!filter && isLink && !dereference) plan.links.push([s, d])
    else tasks.push(one(s, d, isFile, isLink))
  }
  // Without a filter the files are known now: they are copied while the walk goes on below.
  if (!filter) plan.add(files)
  await all(tasks)
  if (filter && !plan.failed) plan.add(files)
}

/**
 * A new tree with nothing to ask JavaScript about (no filter, links kept as links): the core's
 * copier walks it itself, on its threads, making the directories and links and copying the files
 * as it reads them. JavaScript then only gives the directories their modes (and times).
 */
async function copyNewTree(from: string, to: string, srcStat: Stats, plan: Plan, opts: ParsedCpOptions): Promise<CopyManyResult> {
  const copier = openKernelCopier(kernelOptions(opts, true))
  copier.addTree(from, to)
  copier.end()
  let done: KernelCopyResult
  try {
    done = await copier.done
  } catch (err) {
    throw fromTreeError(err, from, to, plan.shown)
  }
  await settleDirectories([made(to, srcStat, 0), ...done.dirs], opts.preserveTimestamps)
  return { files: done.files, bytes: Number(done.bytes), links: done.links }
}

const WALK_CALLS = new Set(['scandir', 'lstat', 'mkdir', 'readlink', 'symlink'])

const REFUSED: Record<string, 'fifo' | 'socket' | 'unknown'> = { 'cp:fifo': 'fifo', 'cp:socket': 'socket', 'cp:unknown': 'unknown' }

/**
 * The core's failure in a tree it walked (`from` into `to`), as the JavaScript walk would have
 * reported it: fs.cp's codes (naming the destination, which the core does not give), or Node's fs
 * error for the call.
 */
function fromTreeError(err: unknown, from: string, to: string, shown: (dest: string) => string): unknown {
  const e = err as { errno?: unknown; syscall?: unknown; path?: unknown; dest?: unknown } | null
  if (!e || typeof e.syscall !== 'string' || typeof e.path !== 'string' || typeof e.errno !== 'number') return err
  const refused = REFUSED[e.syscall]
  if (refused) return refusedType(refused, shown(join(to, relative(from, e.path))))
  // The walk's own calls; any other failed call was copying a file.
  if (!WALK_CALLS.has(e.syscall)) return toManyError(err, shown)
  return nodeSystemError(e.errno, e.syscall, e.path, typeof e.dest === 'string' ? e.dest : undefined, err)
}

/** The directories cp made get their sources' modes (and times), deepest first: a mode without write or search permission set earlier would have stopped their contents. */
async function settleDirectories(dirs: Made[], preserveTimestamps: boolean): Promise<void> {
  const byDepth = new Map<number, Made[]>()
  for (const dir of dirs) {
    const level = byDepth.get(dir.depth)
    if (level) level.push(dir)
    else byDepth.set(dir.depth, [dir])
  }
  for (const depth of [...byDepth.keys()].sort((a, b) => b - a)) {
    await all(
      byDepth.get(depth)!.map(async ({ dest, mode, atime, mtime }) => {
        await fsp.chmod(dest, mode)
        if (preserveTimestamps) await fsp.utimes(dest, atime, mtime)
      }),
    )
  }
}

/** Removes the temporary tree of a failed copy. Its directories may already have their sources' modes, without write permission: those are opened up first. */
async function removeTree(root: string): Promise<void> {
  try {
    await fsp.rm(root, { recursive: true, force: true })
    return
  } catch {
    // below
  }
  const openUp = async (dir: string): Promise<void> => {
    await fsp.chmod(dir, 0o700).catch(() => {})
    const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => [])
    await Promise.all(entries.filter((e) => e.isDirectory()).map((e) => openUp(join(dir, e.name))))
  }
  await openUp(root)
  // Best effort: what cannot be removed stays, under its .wsm-<pid>-<hex>.tmp name.
  await fsp.rm(root, { recursive: true, force: true }).catch(() => {})
}

/** An error about a path in the temporary tree, retold with the path the destination was to have. */
function renamed(err: unknown, temp: string, shown: (d: string) => string): unknown {
  if (!err || typeof err !== 'object') return err
  const e = err as { path?: unknown; dest?: unknown; message?: unknown }
  for (const key of ['path', 'dest'] as const) {
    const p = e[key]
    if (typeof p !== 'string' || !p.startsWith(temp)) continue
    const q = shown(p)
    e[key] = q
    if (typeof e.message === 'string') e.message = e.message.split(`'${p}'`).join(`'${q}'`)
  }
  return err
}

/**
 * The copier's EISDIR or EEXIST for a file whose destination is taken, as fs.cp refuses it: a
 * directory there is ERR_FS_CP_NON_DIR_TO_DIR (whatever `force` says), a file with `errorOnExist`
 * is ERR_FS_CP_EEXIST. Both name the destination.
 */
async function asRefusal(err: unknown): Promise<unknown> {
  const e = err as { code?: unknown; syscall?: unknown; path?: unknown; dest?: unknown } | null
  if (e?.syscall !== 'copyfile' || (e.code !== 'EISDIR' && e.code !== 'EEXIST') || typeof e.path !== 'string' || typeof e.dest !== 'string') return err
  const destIsDir = await fsp.lstat(e.dest).then(
    (st) => st.isDirectory(),
    () => false,
  )
  if (destIsDir) return nonDirToDir(e.path, e.dest)
  return e.code === 'EEXIST' ? alreadyExists(e.dest) : err
}
