// copyFileIocp's progress rule: only the last progress call reports copied === total, and the last
// call always does, also when there is nothing to copy (a file onto itself or onto its hard link).
import { linkSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { copyFileIocp } from '../lib/index.js'
import { expectNoFdLeaks } from './helpers/fds.js'

const dir = mkdtempSync(join(tmpdir(), 'wsm-copy-progress-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
expectNoFdLeaks()

const SIZE = 100_000

async function copyWithProgress(src: string, dest: string): Promise<{ bytes: bigint; seen: Array<[bigint, bigint]> }> {
  const seen: Array<[bigint, bigint]> = []
  const { bytes } = await copyFileIocp(src, dest, { bufferSize: 4096, pendingIos: 1, onProgress: (c, t) => seen.push([c, t]) })
  return { bytes, seen }
}

function expectFinalOnlyWhole(seen: Array<[bigint, bigint]>, size: number): void {
  const total = BigInt(size)
  expect(seen.length).toBeGreaterThan(0)
  expect(seen.every(([, t]) => t === total)).toBe(true)
  expect(seen.at(-1)).toEqual([total, total])
  expect(seen.slice(0, -1).every(([c]) => c < total)).toBe(true)
}

describe('copyFileIocp progress', () => {
  it('a copy: the last call, and only it, reports copied === total', async () => {
    const src = join(dir, 'plain')
    writeFileSync(src, Buffer.alloc(SIZE, 7))
    const { bytes, seen } = await copyWithProgress(src, join(dir, 'plain-copy'))
    expect(bytes).toBe(BigInt(SIZE))
    expectFinalOnlyWhole(seen, SIZE)
  })

  it('onto itself: the file is left alone, and the one progress call reports copied === total', async () => {
    const src = join(dir, 'self')
    writeFileSync(src, Buffer.alloc(SIZE, 1))
    const { ino } = statSync(src)
    const { bytes, seen } = await copyWithProgress(src, src)
    expect(statSync(src).ino).toBe(ino)
    expect(readFileSync(src).equals(Buffer.alloc(SIZE, 1))).toBe(true)
    expect(bytes).toBe(BigInt(SIZE))
    expect(seen).toEqual([[BigInt(SIZE), BigInt(SIZE)]])
  })

  it('onto its hard link: the same', async () => {
    const src = join(dir, 'linked')
    const link = join(dir, 'linked-2')
    writeFileSync(src, Buffer.alloc(SIZE, 2))
    linkSync(src, link)
    const { bytes, seen } = await copyWithProgress(src, link)
    expect(statSync(link).nlink).toBe(2)
    expect(bytes).toBe(BigInt(SIZE))
    expect(seen).toEqual([[BigInt(SIZE), BigInt(SIZE)]])
  })
})
