// Where each SRC goes, as cp decides it: into DEST when DEST is a directory (under SRC's own
// name), else to DEST itself; several sources need a directory.
import { stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { commandError } from './command-errors.js'

/** Whether each SRC is copied into DEST: DEST (or what a symlink there points at) is a directory, and -T was not given. */
export async function copiesIntoDirectory(dest: string, sourceCount: number, noTargetDirectory: boolean): Promise<boolean> {
  let isDirectory = false
  if (!noTargetDirectory) {
    try {
      isDirectory = (await stat(dest)).isDirectory()
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err
    }
  }
  if (sourceCount > 1 && !isDirectory) throw commandError(`target '${dest}' is not a directory`, 'ENOTDIR')
  return isDirectory
}

export function targetFor(src: string, dest: string, intoDirectory: boolean): string {
  return intoDirectory ? join(dest, basename(src)) : dest
}
