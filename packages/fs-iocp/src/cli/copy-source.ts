// One SRC copied to its target: by copyFile without -r, by cp with -r; and the line that reports it.
import { stat } from 'node:fs/promises'
import { copyFile, cp } from '@wsm/fs-iocp'
import type { CopyCommand } from './command-line.js'
import { commandError } from './command-errors.js'
import { formatBytes, formatRate, startProgress } from './progress.js'

/** Copies `src` to `dest` and returns the summary line for stdout. */
export function copySource(src: string, dest: string, command: CopyCommand, signal: AbortSignal): Promise<string> {
  return command.recursive ? copyTree(src, dest, command, signal) : copyOneFile(src, dest, command, signal)
}

async function copyTree(src: string, dest: string, command: CopyCommand, signal: AbortSignal): Promise<string> {
  const started = performance.now()
  const progress = startProgress(command.progress, src, 'files', 0)
  try {
    const { files, links, bytes } = await cp(src, dest, {
      ...command.tree,
      signal,
      onProgress: (p) => progress.update(p.files, p.totalFiles, p.bytes),
    })
    return `copied '${src}' to '${dest}': ${files} files, ${links} symlinks, ${took(bytes, started)}\n`
  } finally {
    progress.stop()
  }
}

async function copyOneFile(src: string, dest: string, command: CopyCommand, signal: AbortSignal): Promise<string> {
  // The size is the bar's total; a directory is refused here, in cp's words, before copyFile's EISDIR.
  const source = await stat(src)
  if (source.isDirectory()) throw commandError(`-r not specified; omitting directory '${src}'`, 'EISDIR')
  const started = performance.now()
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
  return `copied '${src}' to '${dest}': ${took(source.size, started)}\n`
}

function took(bytes: number, started: number): string {
  const ms = performance.now() - started
  return `${formatBytes(bytes)} in ${(ms / 1000).toFixed(3)} s (${formatRate(bytes, ms)})`
}
