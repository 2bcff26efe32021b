// Temporary directories, files of known content, and what tests compare them by.
import { createHash, randomFillSync } from 'node:crypto'
import { closeSync, mkdtempSync, openSync, readSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'

/** A fresh directory under the system's temp dir, removed after the file's tests. */
export function tempDir(prefix = 'fs-iocp-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** A file of `size` random bytes (one random MiB repeated, so big files are quick to make). */
export function writeRandomFile(path: string, size: number): void {
  const block = randomFillSync(Buffer.alloc(Math.min(size, 1 << 20) || 1))
  const fd = openSync(path, 'w')
  try {
    for (let at = 0; at < size; ) {
      const n = Math.min(block.length, size - at)
      at += writeSync(fd, block, 0, n, at)
    }
  } finally {
    closeSync(fd)
  }
}

/** sha256 of a file, read in 1 MiB blocks (holes read as zeros). */
export function sha256(path: string): string {
  const hash = createHash('sha256')
  const buf = Buffer.allocUnsafe(1 << 20)
  const fd = openSync(path, 'r')
  try {
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) hash.update(buf.subarray(0, n))
  } finally {
    closeSync(fd)
  }
  return hash.digest('hex')
}

/** The names in `dir` other than those listed: temp files a copy left behind, say. */
export function entries(dir: string): string[] {
  return readdirSync(dir).sort()
}

/** The temp-file names a copy may leave only when its process is killed. */
export const TEMP_NAME = /\.wsm-\d+-[0-9a-f]+\.tmp$/

export function sizeOf(path: string): number {
  return statSync(path).size
}
