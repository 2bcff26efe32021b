import { closeSync, ftruncateSync, mkdirSync, openSync, readSync, statSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { copyFile, copyFiles } from '../src/index.js'
import { sha256, tempDir } from './helpers/files.js'

const GiB = 1024 ** 3
const dir = tempDir()
const src = join(dir, 'sparse')

// 5 GiB apparent, 4 blocks of data: at 0, across 2^32 (where a 32-bit offset would wrap), and at the end.
const DATA = [0, 2 ** 32 - 100, 3 * GiB + 12345, 5 * GiB - 4096]
const block = (at: number) => Buffer.alloc(4096, (at % 251) + 1)
const fd = openSync(src, 'w')
ftruncateSync(fd, 5 * GiB)
for (const at of DATA) writeSync(fd, block(at), 0, 4096, at)
closeSync(fd)

/** The data blocks, and the 4 KiB of hole on each side of them, are what the source has there. */
function sameData(path: string): void {
  const f = openSync(path, 'r')
  try {
    for (const at of DATA) {
      const got = Buffer.alloc(3 * 4096)
      const from = Math.max(0, at - 4096)
      const n = readSync(f, got, 0, got.length, from)
      const want = Buffer.alloc(3 * 4096)
      block(at).copy(want, at - from)
      expect(got.subarray(0, n).equals(want.subarray(0, n))).toBe(true)
    }
  } finally {
    closeSync(f)
  }
}

/** Allocated bytes: a few blocks, not gigabytes. */
function allocated(path: string): number {
  return statSync(path).blocks * 512
}

describe('a sparse file larger than 4 GiB stays sparse and identical', () => {
  it('the source is sparse to begin with', () => {
    expect(statSync(src).size).toBe(5 * GiB)
    expect(allocated(src)).toBeLessThan(1 << 20)
  })

  const ways = [
    ['copyFile(src, dest) (auto)', (d: string) => copyFile(src, d)],
    ["copyFile strategy 'kernel'", (d: string) => copyFile(src, d, { strategy: 'kernel' })],
    ['copyFiles', (d: string) => copyFiles([[src, d]]).then(() => undefined)],
  ] as const

  for (const [name, copy] of ways) {
    it(name, async () => {
      const out = join(dir, name.replace(/\W+/g, '_'))
      mkdirSync(out)
      const dest = join(out, 'copy')
      await copy(dest)
      expect(statSync(dest).size).toBe(5 * GiB)
      // No more blocks than the source has (give or take the extent tree's own): the data blocks
      // checked below are all the data there is, and the rest reads as zeros because it is holes.
      // (Hashing every byte instead reads 5 GiB of holes through the page cache: ~18 s a file here.)
      expect(allocated(dest)).toBeLessThanOrEqual(allocated(src) + 16384)
      sameData(dest)
    })
  }
})

describe('a smaller sparse file, every byte compared', () => {
  const small = join(dir, 'sparse-small')
  const f = openSync(small, 'w')
  ftruncateSync(f, 64 << 20)
  for (const at of [1 << 20, (40 << 20) + 7, (64 << 20) - 10]) writeSync(f, Buffer.alloc(10, 7), 0, 10, at)
  closeSync(f)

  it('copyFile (auto) keeps it sparse and identical (sha256)', async () => {
    const dest = join(dir, 'sparse-small-copy')
    await copyFile(small, dest)
    expect(allocated(dest)).toBeLessThanOrEqual(allocated(small) + 16384)
    expect(sha256(dest)).toBe(sha256(small))
  })

  it("strategy 'iocp' keeps it sparse", async () => {
    const dest = join(dir, 'sparse-small-iocp')
    await copyFile(small, dest, { strategy: 'iocp' })
    expect(sha256(dest)).toBe(sha256(small))
    expect(allocated(dest)).toBeLessThanOrEqual(allocated(small) + 16384)
  })
})
