// Whole-file copies inside the kernel, for one file or many (src/copy/kernel_copy.cc).
import { ECANCELED, abortError } from './abort-error.js'
import { native } from './binding.js'
import type { CopyFileError } from './copy-file.js'
import { invalidArgument, invalidType, systemError } from './errors.js'

export interface CopyFilesKernelOptions {
  /** Files in flight at once, each a job on libuv's threadpool (default 4). */
  concurrency?: number
  /** When a destination exists: replace it (default; by renaming a complete copy over it), fail with EEXIST, or leave it. */
  exists?: 'overwrite' | 'error' | 'skip'
  /** Reflink (FICLONE): 'try' it first (default), 'force' it (ENOTSUP where the file system cannot), or 'never'. */
  clone?: 'never' | 'try' | 'force'
  /** Give each copy its source's access and modification times. */
  preserveTimestamps?: boolean
  /**
   * The destinations lie in a directory tree that the caller has just made and that no one else
   * sees until the caller renames it into place (default false). Each file is then created
   * directly under its name (`O_CREAT | O_EXCL`, the source's mode) instead of being written
   * under a temporary name, checked against an existing destination and renamed: a failed copy is
   * unlinked, and after a SIGKILL the caller's unfinished tree is what is left. A destination
   * that exists after all is handled as without `fresh`, by `exists`.
   */
  fresh?: boolean
  signal?: AbortSignal
  /** Called every 50 ms or so while files are copied, and once at the end. `filesFound`: files added so far (by add() or found by addTree()). */
  onProgress?: (filesDone: number, bytesDone: bigint, filesFound: number) => void
}

/** What a KernelCopier did: copyFilesKernel's result, plus what its trees (addTree) made. */
export interface KernelCopyResult {
  files: number
  bytes: bigint
  /** Symlinks made by addTree. */
  links: number
  /** Directories made by addTree, with their sources' modes and times (seconds), and their depth below the tree's root (1 for its entries). */
  dirs: Array<{ dest: string; mode: number; atime: number; mtime: number; depth: number }>
}

const EXISTS = { overwrite: 0, error: 1, skip: 2 } as const
const CLONE = { never: 0, try: 1, force: 2 } as const

export interface KernelCopier {
  /**
   * More files to copy; their copies start at once. Returns false, taking none, once the copier has
   * stopped (a failure, an abort). Throws like copyFilesKernel for a bad pair, and after end().
   */
  add(pairs: ReadonlyArray<readonly [string, string]>): boolean
  /**
   * The contents of directory `src` into directory `dest`, which must exist, walked by the copier's
   * own threads (no JavaScript per directory): files copied as by add(), subdirectories made
   * (mode 0777 less the umask: give them their sources' modes from `done`'s `dirs` once done) and
   * walked in turn, symlinks made with their targets verbatim. A FIFO, socket or device fails the
   * copy with `syscall` 'cp:fifo', 'cp:socket' or 'cp:unknown' and its `path`; other failures
   * carry the call that failed ('scandir', 'lstat', 'mkdir', 'readlink', 'symlink') and its path.
   * Meant for a tree no one else writes into (with `fresh`). Returns as add() does.
   */
  addTree(src: string, dest: string): boolean
  /** No more files will be added: `done` settles once those added are copied. */
  end(): void
  /** Stops: no more files are taken (those in flight finish, none is left partial), and `done` rejects with an AbortError if any added was left. */
  stop(): void
  /** Once end() was called and every file added is copied; rejects at the first failure (the rest stop), or with an AbortError. */
  readonly done: Promise<KernelCopyResult>
}

function flatten(pairs: ReadonlyArray<readonly [string, string]>): string[] {
  if (!Array.isArray(pairs)) throw invalidType('pairs', 'an array of [src, dest] pairs', pairs)
  const list: string[] = []
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
      throw invalidType('pairs[i]', 'a [src, dest] pair of strings', pair)
    }
    list.push(pair[0], pair[1])
  }
  return list
}

/**
 * Copies every [src, dest] pair inside the kernel: reflink where the file system shares blocks,
 * else copy_file_range (holes stay holes), else read/write; the source's mode is kept. Each file is
 * one threadpool job with no JavaScript round trip. A destination this call creates is removed if
 * its copy fails; an existing one is replaced only by renaming a complete copy over it. The
 * workers take the files round-robin over the destinations' directories, so that they seldom
 * create files in the same directory at the same moment (see `fresh` for new trees). The first
 * failure stops the rest and rejects with a WsmError carrying `path` (its source) and `dest`.
 */
export async function copyFilesKernel(
  pairs: ReadonlyArray<readonly [string, string]>,
  options: CopyFilesKernelOptions = {},
): Promise<{ files: number; bytes: bigint }> {
  const list = flatten(pairs)
  const copier = startCopier(options)
  copier.addList(list)
  copier.end()
  const { files, bytes } = await copier.done
  return { files, bytes }
}

/**
 * copyFilesKernel for files that are not all known yet: a copier that starts copying with the
 * first add(), so that a caller still walking a tree overlaps its walk with the copies. It takes
 * the options of copyFilesKernel (bad ones throw here, as does an AbortSignal already aborted).
 */
export function openKernelCopier(options: CopyFilesKernelOptions = {}): KernelCopier {
  const copier = startCopier(options)
  return {
    add: (pairs) => copier.addList(flatten(pairs)),
    addTree: (src, dest) => {
      if (typeof src !== 'string') throw invalidType('src', 'a string', src)
      if (typeof dest !== 'string') throw invalidType('dest', 'a string', dest)
      return copier.addTree(src, dest)
    },
    end: copier.end,
    stop: copier.stop,
    done: copier.done,
  }
}

function startCopier(options: CopyFilesKernelOptions): {
  addList(list: string[]): boolean
  addTree(src: string, dest: string): boolean
  end(): void
  stop(): void
  done: Promise<KernelCopyResult>
} {
  if (typeof options !== 'object' || options === null) throw invalidType('options', 'an object', options)
  const concurrency = options.concurrency ?? 4
  if (typeof concurrency !== 'number') throw invalidType('options.concurrency', 'a number', concurrency)
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1024) {
    throw invalidArgument('copyfile', 'The "concurrency" option must be an integer from 1 to 1024')
  }
  const exists = EXISTS[options.exists ?? 'overwrite']
  if (exists === undefined) throw invalidArgument('copyfile', `The "exists" option must be 'overwrite', 'error' or 'skip'`)
  const clone = CLONE[options.clone ?? 'try']
  if (clone === undefined) throw invalidArgument('copyfile', `The "clone" option must be 'never', 'try' or 'force'`)
  const { signal, onProgress, preserveTimestamps = false, fresh = false } = options
  if (typeof preserveTimestamps !== 'boolean') throw invalidType('options.preserveTimestamps', 'a boolean', preserveTimestamps)
  if (typeof fresh !== 'boolean') throw invalidType('options.fresh', 'a boolean', fresh)
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidType('options.signal', 'an AbortSignal', signal)
  if (onProgress !== undefined && typeof onProgress !== 'function') throw invalidType('options.onProgress', 'a function', onProgress)
  if (signal?.aborted) throw abortError(signal)

  let job: { add(list: string[]): boolean; addTree(src: string, dest: string): boolean; end(): void; abort(): void } | undefined
  let stopped = false
  const onAbort = () => job?.abort()
  const done = new Promise<KernelCopyResult>((resolve, reject) => {
    job = new native.KernelCopyJob(concurrency, exists, clone, preserveTimestamps, fresh, onProgress, (errno, syscall, src, dest, files, bytes, links, made) => {
      signal?.removeEventListener('abort', onAbort)
      if (errno === 0) {
        const dirs: KernelCopyResult['dirs'] = []
        for (let i = 0; i < made.length; i += 5) {
          dirs.push({ dest: made[i] as string, mode: made[i + 1] as number, atime: made[i + 2] as number, mtime: made[i + 3] as number, depth: made[i + 4] as number })
        }
        return resolve({ files, bytes, links, dirs })
      }
      if (errno === ECANCELED && signal?.aborted) return reject(abortError(signal))
      if (errno === ECANCELED && stopped) return reject(abortError(AbortSignal.abort()))
      const err = systemError(errno, syscall, dest ? `${syscall} '${src}' -> '${dest}'` : `${syscall} '${src}'`) as CopyFileError
      err.path = src
      if (dest) err.dest = dest
      reject(err)
    })
  })
  signal?.addEventListener('abort', onAbort, { once: true })
  const native_ = job!
  return {
    addList: (list) => native_.add(list),
    addTree: (src, dest) => native_.addTree(src, dest),
    end: () => native_.end(),
    stop: () => {
      stopped = true
      native_.abort()
    },
    done,
  }
}
