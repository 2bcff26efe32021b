import { type Stats, promises as fsp } from 'node:fs'
import { dirname, join, resolve, sep } from 'node:path'
import { type PathLike, requireUtf8, validatePath } from './args.js'
import {
  type CopyManyOptions,
  type CopyManyResult,
  type ManyOptions,
  all,
  copyAll,
  copySymlink,
  throwIfAborted,
  validateManyOptions,
} from './copy-many.js'
import { cpError } from './node-errors.js'

/** What the walk found: every file for the one native call, the links, the directories it made. */
interface Plan {
  files: Array<[string, string]>
  links: Array<[string, string]>
  made: Array<{ dest: string; stat: Stats; depth: number }>
  /** Set by the first failure: the rest of the walk stops starting work. */
  failed: boolean
}

/**
 * Copies a tree (or one file, or one symlink) like fs.promises.cp with `recursive: true`: the
 * directories are made as the walk finds them, then every file goes to the kernel in one call,
 * many at once. Directories get their sources' modes once their contents are in. Symlinks are
 * copied as symlinks, their targets verbatim, unless `dereference`. The first failure stops the
 * rest: what was copied before it stays, no file is left partial.
 */
export async function cp(src: PathLike, dest: PathLike, options?: CopyManyOptions): Promise<CopyManyResult> {
  const from = requireUtf8(validatePath(src, 'src'), 'src')
  const to = requireUtf8(validatePath(dest, 'dest'), 'dest')
  const opts = validateManyOptions(options)
  const dereference = opts.dereference ?? false
  throwIfAborted(opts.signal)

  const srcStat = await (dereference ? fsp.stat(from) : fsp.lstat(from))
  if (opts.filter && !(await opts.filter(from, to))) return { files: 0, bytes: 0, links: 0 }
  const destStat = await fsp.lstat(to).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined
    throw err
  })
  if (destStat && destStat.dev === srcStat.dev && destStat.ino === srcStat.ino) {
    throw cpError('ERR_FS_CP_EINVAL', 'src and dest cannot be the same', to)
  }
  if (srcStat.isDirectory()) {
    if (destStat && !destStat.isDirectory()) throw cpError('ERR_FS_CP_DIR_TO_NON_DIR', `cannot overwrite non-directory ${to} with directory ${from}`, to)
    const root = resolve(from)
    const target = resolve(to)
    if (target === root || target.startsWith(root.endsWith(sep) ? root : root + sep)) {
      throw cpError('ERR_FS_CP_EINVAL', `cannot copy ${from} to a subdirectory of self ${to}`, to)
    }
  } else if (destStat?.isDirectory()) {
    throw cpError('ERR_FS_CP_NON_DIR_TO_DIR', `cannot overwrite directory ${to} with non-directory ${from}`, to)
  }
  await fsp.mkdir(dirname(to), { recursive: true })

  const plan: Plan = { files: [], links: [], made: [], failed: false }
  await visit(from, to, srcStat, 0, new Set(), plan, opts, dereference)
  throwIfAborted(opts.signal)

  const made = await all(plan.links.map(async ([s, d]) => copySymlink(await fsp.readlink(s), d, opts.exists)))
  const done = await copyAll(plan.files, opts)
  await settleDirectories(plan.made, opts.preserveTimestamps)
  return { ...done, links: made.filter(Boolean).length }
}

async function visit(src: string, dest: string, stat: Stats, depth: number, ancestors: Set<string>, plan: Plan, opts: ManyOptions, dereference: boolean): Promise<void> {
  if (stat.isFile()) {
    plan.files.push([src, dest])
  } else if (stat.isSymbolicLink()) {
    plan.links.push([src, dest])
  } else if (stat.isDirectory()) {
    await walk(src, dest, stat, depth, ancestors, plan, opts, dereference)
  } else if (stat.isFIFO()) {
    // Opening it would block a thread of the pool until a writer comes.
    throw cpError('ERR_FS_CP_FIFO_PIPE', 'cannot copy a FIFO pipe', src)
  } else if (stat.isSocket()) {
    throw cpError('ERR_FS_CP_SOCKET', 'cannot copy a socket file', src)
  } else {
    throw cpError('ERR_FS_CP_UNKNOWN', 'cannot copy an unknown file type', src)
  }
}

async function walk(src: string, dest: string, stat: Stats, depth: number, ancestors: Set<string>, plan: Plan, opts: ManyOptions, dereference: boolean): Promise<void> {
  if (plan.failed) return
  const id = `${stat.dev}:${stat.ino}`
  if (ancestors.has(id)) throw cpError('ERR_FS_CP_EINVAL', `cannot copy ${src}: a symlink to a directory that contains it`, src)
  try {
    await fsp.mkdir(dest)
    plan.made.push({ dest, stat, depth })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    // Merged into, as fs.cp does; its mode and times stay its own.
    if (!(await fsp.lstat(dest)).isDirectory()) throw cpError('ERR_FS_CP_DIR_TO_NON_DIR', `cannot overwrite non-directory ${dest} with directory ${src}`, dest)
  }
  if (plan.failed) return
  const entries = await fsp.readdir(src, { withFileTypes: true })
  throwIfAborted(opts.signal)
  const inside = dereference ? new Set(ancestors).add(id) : ancestors
  const { filter } = opts
  await all(
    entries.map(async (entry) => {
      const s = join(src, entry.name)
      const d = join(dest, entry.name)
      try {
        if (filter && !(await filter(s, d))) return
        // The entry's type is known from readdir: a file costs no stat here (its mode is read by the copy itself).
        if (entry.isFile()) return void plan.files.push([s, d])
        if (entry.isSymbolicLink() && !dereference) return void plan.links.push([s, d])
        const st = await (dereference ? fsp.stat(s) : fsp.lstat(s))
        return await visit(s, d, st, depth + 1, inside, plan, opts, dereference)
      } catch (err) {
        plan.failed = true
        throw err
      }
    }),
  )
}

/** The directories cp made get their sources' modes (and times), deepest first: a mode without write or search permission set earlier would have stopped their contents. */
async function settleDirectories(made: Plan['made'], preserveTimestamps: boolean): Promise<void> {
  const byDepth = new Map<number, Plan['made']>()
  for (const dir of made) {
    const level = byDepth.get(dir.depth)
    if (level) level.push(dir)
    else byDepth.set(dir.depth, [dir])
  }
  for (const depth of [...byDepth.keys()].sort((a, b) => b - a)) {
    await all(
      byDepth.get(depth)!.map(async ({ dest, stat }) => {
        await fsp.chmod(dest, stat.mode & 0o7777)
        if (preserveTimestamps) await fsp.utimes(dest, stat.atimeMs / 1000, stat.mtimeMs / 1000)
      }),
    )
  }
}
