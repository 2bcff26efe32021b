// One SRC copied to its target: by copyFile without -r, by cp with -r; its summary line.
import { lstat, stat } from 'node:fs/promises'
import { copyFile, cp } from '@wsm/fs-iocp'
import type { CopyCommand } from './command-line.js'
import { formatBytes, formatRate, startProgress } from './progress.js'
import { commandError } from './targets.js'

/** Copies `src` to `dest` and returns the line that reports it. */
export async function copySource(src: string, dest: string, command: CopyCommand, signal: AbortSignal): Promise<string> {
  // cp copies a symlink as a symlink unless -L; copyFile always copies what it points at.
  const source = await (command.recursive && !command.dereference ? lstat(src) : stat(src))
  const started = performance.now()
  const took = (bytes: number) => `${formatBytes(bytes)} in ${((performance.now() - started) / 1000).toFixed(3)} s (${formatRate(bytes, performance.now() - started)})`

  if (command.recursive) {
    const progress = startProgress(command.progress, src, 'files', 0)
    try {
      const { files, links, bytes } = await cp(src, dest, {
        ...command.tree,
        signal,
        onProgress: (p) => progress.update(p.files, p.totalFiles, p.bytes),
      })
      return `copied '${src}' to '${dest}': ${files} files, ${links} symlinks, ${took(bytes)}\n`
    } finally {
      progress.stop()
    }
  }

  if (source.isDirectory()) throw commandError(`-r not specified; omitting directory '${src}'`, 'EISDIR')
  const progress = startProgress(command.progress, src, 'bytes', source.size)
  try {
    await copyFile(src, dest, {
      ...command.file,
      signal,
      onProgress: (p) => progress.update(p.bytes, p.totalBytes, p.bytes),
    })
  } finally {
    progress.stop()
  }
  return `copied '${src}' to '${dest}': ${took(source.size)}\n`
}
