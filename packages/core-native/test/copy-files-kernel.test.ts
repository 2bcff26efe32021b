// copyFilesKernel: many whole-file copies in the kernel, in one call. These tests cover what the
// core itself promises (fs-iocp's tests cover cp and copyFiles on top of it): identical copies on
// both paths (regular, and `fresh` for a tree the caller has just made), modes, the spread over
// directories, the `exists` policies, the cleanup of a failed file, and the checks of the options.
import { createHash, randomFillSync } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { copyFilesKernel, openKernelCopier } from '../lib/index.js'
import { native } from '../lib/binding.js'
import { expectRejectsType, expectTypeError } from './helpers/errors.js'
import { expectNoFdLeaks } from './helpers/fds.js'

const dir = mkdtempSync(join(tmpdir(), 'wsm-kcopy-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
expectNoFdLeaks()

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex')
const TEMP = /\.wsm-\d+-[0-9a-f]+\.tmp$/

// Sizes around the page and the 64 KiB boundaries; random (so not sparse: st_blocks covers the size).
const SIZES = [0, 1, 4095, 4096, 65535, 65536, 65537, 1 << 20, (1 << 20) + 1]
const src = join(dir, 'src')
mkdirSync(src)
SIZES.forEach((size, i) => {
  writeFileSync(join(src, `f${i}`), randomFillSync(Buffer.alloc(size)))
  chmodSync(join(src, `f${i}`), [0o644, 0o600, 0o755, 0o640, 0o777][i % 5]!)
})
const names = SIZES.map((_, i) => `f${i}`)

describe.each([false, true])('fresh: %s', (fresh) => {
  it('copies every file identical (non-sparse sources take the plain copy_file_range path), with its mode', async () => {
    const out = join(dir, `same-${fresh}`)
    mkdirSync(out)
    const { files, bytes } = await copyFilesKernel(
      names.map((n) => [join(src, n), join(out, n)] as const),
      { fresh },
    )
    expect(files).toBe(SIZES.length)
    expect(bytes).toBe(BigInt(SIZES.reduce((a, b) => a + b, 0)))
    for (const n of names) {
      expect(sha(join(out, n))).toBe(sha(join(src, n)))
      expect(statSync(join(out, n)).mode & 0o7777).toBe(statSync(join(src, n)).mode & 0o7777)
    }
    expect(readdirSync(out).sort()).toEqual([...names].sort())
  })

  it('a sparse source stays sparse and reads the same', async () => {
    const sparse = join(dir, `sparse-src-${fresh}`)
    writeFileSync(sparse, 'head')
    truncateSync(sparse, 64 << 20)
    const dest = join(dir, `sparse-dest-${fresh}`)
    await copyFilesKernel([[sparse, dest]], { fresh })
    expect(statSync(dest).size).toBe(64 << 20)
    expect(statSync(dest).blocks * 512).toBeLessThan(1 << 20)
    expect(sha(dest)).toBe(sha(sparse))
  })

  it('spreads the work over directories and still copies every file of every directory', async () => {
    const out = join(dir, `spread-${fresh}`)
    const pairs: Array<[string, string]> = []
    for (let d = 0; d < 7; d++) {
      mkdirSync(join(out, `d${d}`), { recursive: true })
      // uneven directories: 1 to 37 files
      for (let f = 0; f < 1 + ((d * 17) % 37); f++) pairs.push([join(src, names[f % names.length]!), join(out, `d${d}`, `x${f}`)])
    }
    const { files } = await copyFilesKernel(pairs, { fresh, concurrency: 3 })
    expect(files).toBe(pairs.length)
    for (const [s, d] of pairs) expect(sha(d)).toBe(sha(s))
  })
})

describe('fresh: a destination that exists after all is handled by `exists`, as without fresh', () => {
  it("'overwrite' replaces it by rename (a new inode), 'skip' leaves it, 'error' is EEXIST", async () => {
    const out = join(dir, 'exists')
    mkdirSync(out)
    const a = join(src, 'f2')
    const dest = join(out, 'd')
    writeFileSync(dest, 'old')
    const oldIno = statSync(dest).ino
    await copyFilesKernel([[a, dest]], { fresh: true, exists: 'skip' })
    expect(readFileSync(dest, 'utf8')).toBe('old')
    await expect(copyFilesKernel([[a, dest]], { fresh: true, exists: 'error' })).rejects.toMatchObject({ code: 'EEXIST', path: a, dest })
    expect(readFileSync(dest, 'utf8')).toBe('old')
    await copyFilesKernel([[a, dest]], { fresh: true })
    expect(sha(dest)).toBe(sha(a))
    expect(statSync(dest).ino).not.toBe(oldIno)
    expect(readdirSync(out).filter((n) => TEMP.test(n))).toEqual([])
  })
})

// ENOSPC mid-copy on a 1 MiB tmpfs of our own (we run as root; if the mount is refused, the name says so).
const tiny = join(dir, 'tiny')
mkdirSync(tiny)
let mountRefusal = ''
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', tiny], { stdio: 'pipe' })
} catch (err) {
  mountRefusal = String((err as { stderr?: Buffer }).stderr ?? err).trim()
}
afterAll(() => {
  if (!mountRefusal) execFileSync('umount', [tiny])
})

// Without the mount (not root, no CAP_SYS_ADMIN) these are skipped, the reason in their titles;
// .ci/run fails on a skip that is not on .ci/allowed-skips.txt.
if (mountRefusal) console.warn(`copy-files-kernel.test.ts: ENOSPC tests SKIPPED, mount refused: ${mountRefusal}`)
describe('a file whose copy fails is removed', () => {
  it.skipIf(mountRefusal).each([false, true])(`fresh: %s — ENOSPC leaves neither the file nor a temporary one${mountRefusal ? ' (SKIPPED: mount of a tmpfs refused)' : ''}`, async (fresh) => {
    const big = join(src, `f${SIZES.length - 1}`) // 1 MiB + 1
    const ok = join(src, 'f1') // 1 byte
    const err = await copyFilesKernel(
      [
        [ok, join(tiny, 'small')],
        [big, join(tiny, 'big')],
      ],
      { fresh, concurrency: 1 },
    ).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'ENOSPC', path: big, dest: join(tiny, 'big') })
    expect(existsSync(join(tiny, 'big'))).toBe(false)
    expect(readdirSync(tiny).filter((n) => TEMP.test(n))).toEqual([])
    for (const n of readdirSync(tiny)) rmSync(join(tiny, n))
  })
})

describe('the fresh option is checked', () => {
  it('a non-boolean fresh rejects with a TypeError, and copies nothing', async () => {
    const dest = join(dir, 'never')
    for (const fresh of [1, 'yes', null, {}]) {
      await expectRejectsType(copyFilesKernel([[join(src, 'f1'), dest]], { fresh } as never))
    }
    expect(existsSync(dest)).toBe(false)
  })

  it('the native constructor refuses a missing or non-boolean fresh with a TypeError', () => {
    const noop = () => {}
    for (const fresh of [undefined, 0, 'true']) {
      expectTypeError(() => new native.KernelCopyJob(1, 0, 1, false, fresh as never, undefined, noop))
    }
  })
})

describe('openKernelCopier: files added while the copies run', () => {
  it('copies what each add() brings, and settles after end() with the totals', async () => {
    const out = join(dir, 'stream')
    mkdirSync(join(out, 'a'), { recursive: true })
    mkdirSync(join(out, 'b'))
    const copier = openKernelCopier({ fresh: true })
    expect(copier.add(names.slice(0, 4).map((n) => [join(src, n), join(out, 'a', n)] as const))).toBe(true)
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(copier.add(names.map((n) => [join(src, n), join(out, 'b', n)] as const))).toBe(true)
    expect(copier.add([])).toBe(true)
    copier.end()
    const { files, bytes } = await copier.done
    expect(files).toBe(4 + names.length)
    expect(bytes).toBe(BigInt(SIZES.slice(0, 4).reduce((a, b) => a + b, 0) + SIZES.reduce((a, b) => a + b, 0)))
    for (const n of names.slice(0, 4)) expect(sha(join(out, 'a', n))).toBe(sha(join(src, n)))
    for (const n of names) expect(sha(join(out, 'b', n))).toBe(sha(join(src, n)))
  })

  it('end() with nothing added resolves with nothing done; add() after end() throws', async () => {
    const copier = openKernelCopier()
    copier.end()
    expect(() => copier.add([[join(src, 'f1'), join(dir, 'late')]])).toThrow()
    await expect(copier.done).resolves.toMatchObject({ files: 0, bytes: 0n, links: 0, dirs: [] })
    expect(existsSync(join(dir, 'late'))).toBe(false)
  })

  it('the first failure rejects done with the failing pair; add() then takes nothing', async () => {
    const out = join(dir, 'stream-fail')
    mkdirSync(out)
    const copier = openKernelCopier()
    const missing = join(src, 'no-such-file')
    copier.add([[missing, join(out, 'x')]])
    const err = await copier.done.catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'ENOENT', path: missing, dest: join(out, 'x') })
    expect(copier.add([[join(src, 'f1'), join(out, 'y')]])).toBe(false)
    copier.end()
    expect(readdirSync(out)).toEqual([])
  })

  it('stop() before end() rejects done with an AbortError and copies nothing more', async () => {
    const out = join(dir, 'stream-stop')
    mkdirSync(out)
    const copier = openKernelCopier()
    copier.stop()
    expect(copier.add([[join(src, 'f1'), join(out, 'y')]])).toBe(false)
    await expect(copier.done).rejects.toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' })
    expect(readdirSync(out)).toEqual([])
  })

  it('bad pairs throw a TypeError from add(), and bad options from openKernelCopier()', () => {
    const copier = openKernelCopier()
    expectTypeError(() => copier.add('nope' as never))
    expectTypeError(() => copier.add([[1, 2]] as never))
    copier.end()
    expectTypeError(() => openKernelCopier({ fresh: 'yes' } as never))
    expect(() => openKernelCopier({ concurrency: 0 })).toThrow()
  })
})

describe('addTree: the copier walks a tree itself', () => {
  const tree = join(dir, 'tree')
  mkdirSync(join(tree, 'a/b/c'), { recursive: true })
  mkdirSync(join(tree, 'empty'))
  mkdirSync(join(tree, 'private'), { mode: 0o700 })
  chmodSync(join(tree, 'private'), 0o700)
  writeFileSync(join(tree, 'top'), 'top')
  writeFileSync(join(tree, 'a/b/c/deep'), randomFillSync(Buffer.alloc(100_000)))
  writeFileSync(join(tree, 'private/key'), 'k')
  chmodSync(join(tree, 'private/key'), 0o600)
  symlinkSync('top', join(tree, 'link'))
  symlinkSync('nowhere/at/all', join(tree, 'a/dangling'))
  utimesSync(join(tree, 'a/b'), 1_000_000_000, 1_000_000_001)

  it('copies files, makes directories and symlinks (targets verbatim), and reports the directories with their sources\' modes and times', async () => {
    const out = join(dir, 'tree-copy')
    mkdirSync(out)
    const copier = openKernelCopier({ fresh: true })
    expect(copier.addTree(tree, out)).toBe(true)
    copier.end()
    const { files, bytes, links, dirs } = await copier.done
    expect({ files, bytes, links }).toEqual({ files: 3, bytes: 3n + 100_000n + 1n, links: 2 })
    expect(sha(join(out, 'a/b/c/deep'))).toBe(sha(join(tree, 'a/b/c/deep')))
    expect(readFileSync(join(out, 'top'), 'utf8')).toBe('top')
    expect(statSync(join(out, 'private/key')).mode & 0o7777).toBe(0o600)
    expect(readlinkSync(join(out, 'link'))).toBe('top')
    expect(readlinkSync(join(out, 'a/dangling'))).toBe('nowhere/at/all')
    expect(readdirSync(join(out, 'empty'))).toEqual([])
    const byDest = Object.fromEntries(dirs.map((d) => [d.dest.slice(out.length + 1), d]))
    expect(Object.keys(byDest).sort()).toEqual(['a', 'a/b', 'a/b/c', 'empty', 'private'])
    expect(byDest.private).toMatchObject({ mode: 0o700, depth: 1 })
    expect(byDest['a/b']).toMatchObject({ mtime: 1_000_000_001, atime: 1_000_000_000, depth: 2 })
    expect(byDest['a/b/c']!.depth).toBe(3)
  })

  it('a FIFO fails the copy as cp:fifo with its path; a name taken in dest fails as mkdir', async () => {
    const withFifo = join(dir, 'tree-fifo')
    mkdirSync(join(withFifo, 'sub'), { recursive: true })
    execFileSync('mkfifo', [join(withFifo, 'sub/pipe')])
    const out = join(dir, 'tree-fifo-copy')
    mkdirSync(out)
    const copier = openKernelCopier({ fresh: true })
    copier.addTree(withFifo, out)
    copier.end()
    await expect(copier.done).rejects.toMatchObject({ syscall: 'cp:fifo', path: join(withFifo, 'sub/pipe') })

    const out2 = join(dir, 'tree-taken')
    mkdirSync(out2)
    writeFileSync(join(out2, 'a'), 'a file where the tree has a directory')
    const again = openKernelCopier({ fresh: true })
    again.addTree(tree, out2)
    again.end()
    await expect(again.done).rejects.toMatchObject({ code: 'EEXIST', syscall: 'mkdir', path: join(out2, 'a') })
  })

  it('a missing source directory fails as scandir; bad arguments throw a TypeError', async () => {
    const copier = openKernelCopier()
    expectTypeError(() => copier.addTree(1 as never, 'x'))
    copier.addTree(join(dir, 'no-such-dir'), join(dir, 'whatever'))
    copier.end()
    await expect(copier.done).rejects.toMatchObject({ code: 'ENOENT', syscall: 'scandir', path: join(dir, 'no-such-dir') })
  })

  it('an abort mid-tree rejects with an AbortError and leaves no partial file', async () => {
    const big = join(dir, 'tree-big')
    // 10,000 files: far more than one progress tick (50 ms) of copying, so the abort lands mid-copy.
    for (let d = 0; d < 100; d++) {
      mkdirSync(join(big, `d${d}`), { recursive: true })
      for (let f = 0; f < 100; f++) writeFileSync(join(big, `d${d}`, `f${f}`), `${d}/${f} `.repeat(200))
    }
    const out = join(dir, 'tree-big-copy')
    mkdirSync(out)
    const ac = new AbortController()
    const copier = openKernelCopier({ fresh: true, signal: ac.signal, onProgress: (files) => files > 0 && ac.abort() })
    copier.addTree(big, out)
    copier.end()
    await expect(copier.done).rejects.toMatchObject({ name: 'AbortError' })
    let copied = 0
    for (const d of readdirSync(out)) {
      for (const f of readdirSync(join(out, d))) {
        expect(readFileSync(join(out, d, f), 'utf8')).toBe(readFileSync(join(big, d, f), 'utf8'))
        copied++
      }
    }
    expect(copied).toBeGreaterThan(0)
    expect(copied).toBeLessThan(10_000)
  })
})
