import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, lstatSync, mkdirSync, promises as fsp, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cp } from '../src/index.js'
import { fieldsOf, rejection } from './helpers/errors.js'
import { TEMP_NAME, sha256, tempDir } from './helpers/files.js'

const dir = tempDir()

/** Every entry under `root`: its type, its mode, and its content (a hash) or its link target. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name)
      const st = lstatSync(p)
      const mode = (st.mode & 0o7777).toString(8)
      const key = relative(root, p)
      if (st.isSymbolicLink()) out[key] = `link -> ${readlinkSync(p)}`
      else if (st.isDirectory()) {
        out[key] = `dir ${mode}`
        walk(p)
      } else out[key] = `file ${mode} ${st.size} ${sha256(p)}`
    }
  }
  walk(root)
  return out
}

/** A tree with nested and empty directories, modes, and symlinks of every kind. */
function makeTree(root: string): void {
  mkdirSync(join(root, 'a/b/c'), { recursive: true })
  mkdirSync(join(root, 'empty'))
  mkdirSync(join(root, 'a/empty-too'))
  mkdirSync(join(root, 'private'), { mode: 0o700 })
  chmodSync(join(root, 'private'), 0o700)
  writeFileSync(join(root, 'top.txt'), 'top')
  writeFileSync(join(root, 'a/one.js'), 'one'.repeat(1000))
  writeFileSync(join(root, 'a/b/two.log'), 'log')
  writeFileSync(join(root, 'a/b/c/three.bin'), Buffer.alloc(70_000, 3))
  writeFileSync(join(root, 'a/b/c/empty-file'), '')
  writeFileSync(join(root, 'private/key'), 'secret')
  writeFileSync(join(root, 'run.sh'), '#!/bin/sh\n')
  chmodSync(join(root, 'run.sh'), 0o755)
  chmodSync(join(root, 'private/key'), 0o600)
  symlinkSync('top.txt', join(root, 'link-to-file'))
  symlinkSync('a/b', join(root, 'link-to-dir'))
  symlinkSync('nowhere', join(root, 'dangling'))
  symlinkSync('/etc/hostname', join(root, 'absolute'))
  symlinkSync('../../top.txt', join(root, 'a/b/up'))
}

describe('cp: trees', () => {
  const src = join(dir, 'tree')
  makeTree(src)

  it('copies files, empty directories, modes, and symlinks as symlinks with their targets verbatim', async () => {
    const dest = join(dir, 'copy')
    const result = await cp(src, dest)
    expect(snapshot(dest)).toEqual(snapshot(src))
    expect(result).toEqual({ files: 7, bytes: 3 + 3000 + 3 + 70_000 + 6 + 10, links: 5 })
  })

  it('creates the missing parents of the destination', async () => {
    const dest = join(dir, 'deep/er/copy')
    await cp(src, dest)
    expect(snapshot(dest)).toEqual(snapshot(src))
  })

  it('dereference: copies what the links point at (a dangling one is an error)', async () => {
    const clean = join(dir, 'tree-no-dangling')
    await cp(src, clean, { filter: (s) => !s.endsWith('dangling') })
    const dest = join(dir, 'deref')
    await cp(clean, dest, { dereference: true })
    expect(lstatSync(join(dest, 'link-to-file')).isFile()).toBe(true)
    expect(readFileSync(join(dest, 'link-to-file'), 'utf8')).toBe('top')
    expect(lstatSync(join(dest, 'link-to-dir')).isDirectory()).toBe(true)
    expect(readFileSync(join(dest, 'link-to-dir/c/three.bin'))).toEqual(Buffer.alloc(70_000, 3))
    const err = await rejection(() => cp(src, join(dir, 'deref-dangling'), { dereference: true }))
    expect(err).toMatchObject({ code: 'ENOENT' })
  })

  it('dereference: a link to a directory that contains it is refused, not followed forever', async () => {
    const loop = join(dir, 'loop')
    mkdirSync(join(loop, 'inner'), { recursive: true })
    symlinkSync('..', join(loop, 'inner/back'))
    const err = await rejection(() => cp(loop, join(dir, 'loop-copy'), { dereference: true }))
    expect(err).toMatchObject({ code: 'ERR_FS_CP_EINVAL' })
  })

  it('filter, sync: leaves out what it refuses, and a refused directory with all it holds', async () => {
    const dest = join(dir, 'filtered')
    const seen: string[] = []
    await cp(src, dest, {
      filter: (s, d) => {
        seen.push(relative(src, s))
        expect(relative(dest, d)).toBe(relative(src, s))
        return !s.endsWith('.log') && !s.endsWith('/c')
      },
    })
    expect(existsSync(join(dest, 'a/b/two.log'))).toBe(false)
    expect(existsSync(join(dest, 'a/b/c'))).toBe(false)
    expect(existsSync(join(dest, 'a/one.js'))).toBe(true)
    expect(seen).toContain('') // the root, as fs.cp does
    expect(seen).not.toContain('a/b/c/three.bin') // never asked about what a refused directory holds
  })

  it('filter, async', async () => {
    const dest = join(dir, 'filtered-async')
    await cp(src, dest, { filter: async (s) => (await fsp.lstat(s)).isDirectory() || s.endsWith('.js') })
    expect(readdirSync(join(dest, 'a')).sort()).toEqual(['b', 'empty-too', 'one.js'])
    expect(readdirSync(join(dest, 'a/b/c'))).toEqual([])
    expect(existsSync(join(dest, 'top.txt'))).toBe(false)
  })

  it('a filter that throws rejects the copy with its error', async () => {
    const boom = new Error('filter failed')
    await expect(cp(src, join(dir, 'filter-throws'), { filter: () => Promise.reject(boom) })).rejects.toBe(boom)
  })

  it('overwrite (default): replaces files and links in an existing tree, keeps what the source lacks', async () => {
    const dest = join(dir, 'over')
    await cp(src, dest)
    writeFileSync(join(dest, 'top.txt'), 'changed')
    writeFileSync(join(dest, 'extra'), 'mine')
    await fsp.unlink(join(dest, 'link-to-file'))
    symlinkSync('elsewhere', join(dest, 'link-to-file'))
    await cp(src, dest)
    expect(readFileSync(join(dest, 'top.txt'), 'utf8')).toBe('top')
    expect(readlinkSync(join(dest, 'link-to-file'))).toBe('top.txt')
    expect(readFileSync(join(dest, 'extra'), 'utf8')).toBe('mine')
    expect(readdirSync(dest).filter((n) => TEMP_NAME.test(n))).toEqual([])
  })

  it('overwrite: false leaves existing files and links; errorOnExist makes that ERR_FS_CP_EEXIST', async () => {
    const dest = join(dir, 'keep')
    await cp(src, dest)
    writeFileSync(join(dest, 'top.txt'), 'mine')
    const result = await cp(src, dest, { overwrite: false })
    expect(readFileSync(join(dest, 'top.txt'), 'utf8')).toBe('mine')
    expect(result.links).toBe(0)
    const err = await rejection(() => cp(join(src, 'top.txt'), join(dest, 'top.txt'), { overwrite: false, errorOnExist: true }))
    expect(fieldsOf(err)).toMatchObject({ code: 'ERR_FS_CP_EEXIST', errno: 17, syscall: 'cp', path: join(dest, 'top.txt') })
  })

  it('preserveTimestamps: files and the directories it makes keep their times', async () => {
    const timed = join(dir, 'timed')
    await cp(src, timed, { filter: (s) => !s.includes('link') && !s.endsWith('dangling') && !s.endsWith('absolute') && !s.endsWith('up') })
    for (const p of ['top.txt', 'a/one.js', 'a/b/c/three.bin']) utimesSync(join(timed, p), 1_000_000_000, 1_000_000_001)
    for (const p of ['a/b/c', 'a/b', 'a', 'empty']) utimesSync(join(timed, p), 1_000_000_000, 1_000_000_002)
    const dest = join(dir, 'timed-copy')
    await cp(timed, dest, { preserveTimestamps: true })
    for (const p of ['top.txt', 'a/one.js', 'a/b/c/three.bin']) expect(statSync(join(dest, p)).mtimeMs).toBe(1_000_000_001_000)
    for (const p of ['a/b/c', 'a/b', 'a', 'empty']) expect(statSync(join(dest, p)).mtimeMs).toBe(1_000_000_002_000)
  })

  it('a single file, and a single symlink', async () => {
    await cp(join(src, 'run.sh'), join(dir, 'single/run.sh'))
    expect(statSync(join(dir, 'single/run.sh')).mode & 0o777).toBe(0o755)
    await cp(join(src, 'link-to-dir'), join(dir, 'single/link'))
    expect(readlinkSync(join(dir, 'single/link'))).toBe('a/b')
  })

  it("refuses what fs.cp refuses, with fs.cp's codes", async () => {
    writeFileSync(join(dir, 'a-file'), 'x')
    mkdirSync(join(dir, 'a-dir'), { recursive: true })
    const cases: Array<[string, string, string]> = [
      [src, src, 'ERR_FS_CP_EINVAL'],
      [src, join(src, 'a/inside'), 'ERR_FS_CP_EINVAL'],
      [src, join(dir, 'a-file'), 'ERR_FS_CP_DIR_TO_NON_DIR'],
      [join(dir, 'a-file'), join(dir, 'a-dir'), 'ERR_FS_CP_NON_DIR_TO_DIR'],
    ]
    for (const [s, d, code] of cases) {
      const err = await rejection(() => cp(s, d))
      expect({ s, d, code: (err as { code: string }).code }).toEqual({ s, d, code })
    }
    expect(existsSync(join(src, 'a/inside'))).toBe(false)
  })

  it('a FIFO in the tree is refused (opening it would block a thread), as fs.cp does', async () => {
    const withFifo = join(dir, 'with-fifo')
    mkdirSync(withFifo)
    execFileSync('mkfifo', [join(withFifo, 'pipe')])
    const err = await rejection(() => cp(withFifo, join(dir, 'with-fifo-copy')))
    expect(err).toMatchObject({ code: 'ERR_FS_CP_FIFO_PIPE' })
  })

  it('a source that does not exist rejects with ENOENT', async () => {
    const err = await rejection(() => cp(join(dir, 'nope'), join(dir, 'nope-copy')))
    expect(err).toMatchObject({ code: 'ENOENT' })
  })

  it('bad arguments reject with Node-style errors', async () => {
    for (const [args, code] of [
      [[1, 'x'], 'ERR_INVALID_ARG_TYPE'],
      [['a\0', 'x'], 'ERR_INVALID_ARG_VALUE'],
      [[src, 'x', { filter: 1 }], 'ERR_INVALID_ARG_TYPE'],
      [[src, 'x', { concurrency: 0 }], 'ERR_OUT_OF_RANGE'],
      [[src, 'x', 'options'], 'ERR_INVALID_ARG_TYPE'],
    ] as const) {
      const err = await rejection(() => (cp as (...a: unknown[]) => Promise<unknown>)(...args))
      expect((err as { code: string }).code).toBe(code)
    }
  })
})

describe('cp: a new destination is built under a temporary name and renamed into place', () => {
  const src = join(dir, 'fresh-src')
  makeTree(src)

  it('while the copy runs, dest does not exist and its tree is .<name>.wsm-<pid>-<hex>.tmp beside it; after, only dest', async () => {
    const out = join(dir, 'fresh-out')
    mkdirSync(out)
    const dest = join(out, 'copy')
    const seen: Array<{ destExists: boolean; beside: string[] }> = []
    const result = await cp(src, dest, {
      filter: (s, d) => {
        if (s.endsWith('three.bin')) seen.push({ destExists: existsSync(dest), beside: readdirSync(out) })
        // the filter is told the destination's final name, never the temporary one
        expect(d.startsWith(dest)).toBe(true)
        expect(TEMP_NAME.test(d)).toBe(false)
        return true
      },
    })
    expect(seen).toHaveLength(1)
    expect(seen[0]!.destExists).toBe(false)
    expect(seen[0]!.beside).toHaveLength(1)
    expect(seen[0]!.beside[0]).toMatch(new RegExp(`^\\.copy\\.wsm-${process.pid}-[0-9a-f]{8}\\.tmp$`))
    expect(readdirSync(out)).toEqual(['copy'])
    expect(snapshot(dest)).toEqual(snapshot(src))
    expect(result).toEqual({ files: 7, bytes: 3 + 3000 + 3 + 70_000 + 6 + 10, links: 5 })
  })

  it('a copy that fails mid-way leaves nothing, and its error names the source and the final destination', async () => {
    const work = join(dir, 'fresh-fail-src')
    await cp(src, work)
    const out = join(dir, 'fresh-fail-out')
    mkdirSync(out)
    const dest = join(out, 'copy')
    const doomed = join(work, 'a/b/c/three.bin')
    // The filter removes one source after listing it: its copy fails in the core, after others were done.
    const err = await rejection(() =>
      cp(work, dest, {
        filter: (s) => {
          if (s === doomed) rmSync(doomed)
          return true
        },
      }),
    )
    expect(fieldsOf(err)).toMatchObject({ code: 'ENOENT', syscall: 'copyfile', path: doomed, dest: join(dest, 'a/b/c/three.bin') })
    expect((err as Error).message).toBe(`ENOENT: no such file or directory, copyfile '${doomed}' -> '${join(dest, 'a/b/c/three.bin')}'`)
    expect(readdirSync(out)).toEqual([])
  })

  it('a failing walk (a FIFO) and a filter that throws leave nothing either', async () => {
    const withFifo = join(dir, 'fresh-fifo')
    mkdirSync(join(withFifo, 'sub'), { recursive: true })
    writeFileSync(join(withFifo, 'sub/file'), 'x')
    execFileSync('mkfifo', [join(withFifo, 'sub/pipe')])
    const out = join(dir, 'fresh-fifo-out')
    mkdirSync(out)
    await expect(cp(withFifo, join(out, 'copy'))).rejects.toMatchObject({ code: 'ERR_FS_CP_FIFO_PIPE' })
    const boom = new Error('no')
    await expect(cp(src, join(out, 'copy'), { filter: (s) => (s.endsWith('one.js') ? Promise.reject(boom) : true) })).rejects.toBe(boom)
    expect(readdirSync(out)).toEqual([])
  })

  it('a file that appears at dest meanwhile: the temporary tree (its directories already 0555) is removed, and cp fails as fs.cp would', async () => {
    const ro = join(dir, 'fresh-ro')
    mkdirSync(join(ro, 'locked/inner'), { recursive: true })
    writeFileSync(join(ro, 'locked/inner/f'), 'f')
    chmodSync(join(ro, 'locked/inner'), 0o555)
    chmodSync(join(ro, 'locked'), 0o555)
    const out = join(dir, 'fresh-ro-out')
    mkdirSync(out)
    const dest = join(out, 'copy')
    // A file appears at dest while the tree is built: the final rename fails (ENOTDIR), the
    // temporary tree (its directories now 0555) is removed, and cp reports it as fs.cp would.
    const err = await rejection(() =>
      cp(ro, dest, {
        filter: (s) => {
          if (s.endsWith('/f')) writeFileSync(dest, 'someone else')
          return true
        },
      }),
    )
    expect(err).toMatchObject({ code: 'ERR_FS_CP_DIR_TO_NON_DIR' })
    expect(readdirSync(out)).toEqual(['copy'])
    expect(readFileSync(dest, 'utf8')).toBe('someone else')
    chmodSync(join(ro, 'locked/inner'), 0o755)
    chmodSync(join(ro, 'locked'), 0o755)
  })

  it('a non-empty directory that appears at dest meanwhile is merged into, as an existing one would be', async () => {
    const out = join(dir, 'fresh-race-out')
    mkdirSync(out)
    const dest = join(out, 'copy')
    let made = false
    const result = await cp(src, dest, {
      filter: (s) => {
        if (!made && s.endsWith('three.bin')) {
          made = true
          mkdirSync(dest)
          writeFileSync(join(dest, 'theirs'), 'theirs')
        }
        return true
      },
    })
    expect(result.files).toBe(7)
    expect(readFileSync(join(dest, 'theirs'), 'utf8')).toBe('theirs')
    const copied = snapshot(dest)
    delete copied.theirs
    expect(copied).toEqual(snapshot(src))
    expect(readdirSync(out)).toEqual(['copy'])
  })

  it('preserveTimestamps and modes hold for the renamed root too', async () => {
    const timed = join(dir, 'fresh-timed')
    mkdirSync(join(timed, 'sub'), { recursive: true })
    writeFileSync(join(timed, 'sub/f'), 'f')
    chmodSync(timed, 0o750)
    utimesSync(join(timed, 'sub'), 1_000_000_000, 1_000_000_003)
    utimesSync(timed, 1_000_000_000, 1_000_000_004)
    const dest = join(dir, 'fresh-timed-copy')
    await cp(timed, dest, { preserveTimestamps: true })
    expect(statSync(dest).mode & 0o7777).toBe(0o750)
    expect(statSync(dest).mtimeMs).toBe(1_000_000_004_000)
    expect(statSync(join(dest, 'sub')).mtimeMs).toBe(1_000_000_003_000)
  })
})

describe('cp: 10,000 files in 100 directories', () => {
  const src = join(dir, 'many')
  for (let d = 0; d < 100; d++) {
    mkdirSync(join(src, `d${d}`), { recursive: true })
    for (let f = 0; f < 100; f++) writeFileSync(join(src, `d${d}`, `f${f}.txt`), `${d}/${f} `.repeat(1 + ((d * 100 + f) % 400)))
  }

  it('copies them all, identical, with progress that ends at the total', async () => {
    const dest = join(dir, 'many-copy')
    const seen: Array<{ files: number; totalFiles: number }> = []
    const started = performance.now()
    const result = await cp(src, dest, { onProgress: (p) => seen.push(p) })
    const ms = performance.now() - started
    expect(result.files).toBe(10_000)
    expect(seen.at(-1)).toMatchObject({ files: 10_000, totalFiles: 10_000, bytes: result.bytes })
    for (let d = 0; d < 100; d += 7) {
      for (let f = 0; f < 100; f += 3) {
        expect(readFileSync(join(dest, `d${d}`, `f${f}.txt`), 'utf8')).toBe(readFileSync(join(src, `d${d}`, `f${f}.txt`), 'utf8'))
      }
    }
    expect(readdirSync(dest).length).toBe(100)
    expect(readdirSync(join(dest, 'd99')).length).toBe(100)
    console.log(`cp: 10,000 files in ${ms.toFixed(0)} ms (${((10_000 / ms) * 1000).toFixed(0)} files/s)`)
  })

  it('an abort into a new destination rejects with an AbortError and leaves nothing: no dest, no temp tree', async () => {
    const out = join(dir, 'abort-new')
    mkdirSync(out)
    const dest = join(out, 'copy')
    const ac = new AbortController()
    let copiedWhenAborted = 0
    const err = await rejection(() =>
      cp(src, dest, {
        signal: ac.signal,
        onProgress: ({ files }) => {
          if (files > 0 && !ac.signal.aborted) {
            copiedWhenAborted = files
            ac.abort()
          }
        },
      }),
    )
    expect(err).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' })
    expect(copiedWhenAborted).toBeGreaterThan(0) // the abort did land mid-copy, with files already done
    expect(readdirSync(out)).toEqual([])
  })

  it('an abort into an existing destination stops it: the files done stay whole, none partial, no temp file', async () => {
    const dest = join(dir, 'many-aborted')
    mkdirSync(dest)
    const ac = new AbortController()
    const err = await rejection(() => cp(src, dest, { signal: ac.signal, onProgress: ({ files }) => files > 0 && ac.abort() }))
    expect(err).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' })
    let copied = 0
    for (const d of readdirSync(dest)) {
      for (const f of readdirSync(join(dest, d))) {
        expect(TEMP_NAME.test(f)).toBe(false)
        expect(readFileSync(join(dest, d, f), 'utf8')).toBe(readFileSync(join(src, d, f), 'utf8'))
        copied++
      }
    }
    expect(copied).toBeGreaterThan(0)
    expect(copied).toBeLessThan(10_000)
  })
})
