// The text of `wsm-copy --help` and `--version`.
import { createRequire } from 'node:module'

export const USAGE = `usage: wsm-copy [options] SRC DEST
       wsm-copy [options] SRC... DIR

Copies files with @wsm/fs-iocp. Without -r each SRC is a file, copied by copyFile (in the kernel,
or through the completion-port pipeline); with -r each SRC is copied by cp (a tree, a file or a
symlink). Where DEST is a directory, each SRC is copied into it under its own name, as cp does.
A failed or interrupted copy leaves no partial destination.

options:
  -r, --recursive              copy directories and everything in them (cp)
  -T, --no-target-directory    DEST is the copy itself, even where it is a directory (-r merges into it)
  -n, --no-clobber, --exclusive
                               fail where a destination exists: EEXIST (COPYFILE_EXCL); with -r,
                               ERR_FS_CP_EEXIST (errorOnExist)
  -p, --preserve-timestamps    give the copies their sources' access and modification times
  -L, --dereference            copy what symlinks point at (copyFile always does; cp with -L)
without -r (copyFile):
      --reflink WHEN           auto (default: clone where the file system can), always (with -r
                               too: fail with ENOTSUP where it cannot), never
      --strategy S             auto (default), kernel (copy_file_range, reflink) or iocp (the pipeline)
      --unbuffered             unbuffered I/O (O_DIRECT): no page cache left behind (the pipeline)
      --buffer-size N          bytes per read and write, K/M/G suffixes (4K-64M; the pipeline)
      --queue-depth N          reads and writes in flight (1-256; the pipeline)
with -r (cp):
      --no-force, --no-overwrite
                               leave destinations that exist as they are (force: false)
      --error-on-exist         fail on a destination that exists (implies --no-force)
      --no-verbatim-symlinks   make relative symlink targets absolute, as fs.cp does by default
      --concurrency N          files copied at once (1-1024; default 4)
output:
      --progress               show progress even when stderr is not a terminal (plain lines)
      --no-progress            no progress (the default when stderr is not a terminal)
  -q, --quiet                  no progress and no summary; errors only
  -h, --help                   this text
  -V, --version                the version of @wsm/fs-iocp and the engine

exit status: 0 all copied; 1 a copy failed; 2 usage error; 130 interrupted (SIGINT), 143 (SIGTERM).
`

/** The package's own version, from its package.json (which its `exports` make public). */
export function version(): string {
  const require = createRequire(import.meta.url)
  return (require('@wsm/fs-iocp/package.json') as { version: string }).version
}
