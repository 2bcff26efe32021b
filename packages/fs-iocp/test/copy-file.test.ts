import { chmodSync, constants, linkSync, mkdirSync, promises as fsp, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { backend } from '@wsm/core-native'
import { describe, expect, it } from 'vitest'
import { copyFile } from '../src/index.js'
import { fieldsOf, rejection } from './helpers/errors.js'
import { TEMP_NAME, entries, sha256, tempDir, writeRandomFile } from './helpers/files.js'
import { WAYS } from './helpers/strategies.js'

const { COPYFILE_EXCL, COPYFILE_FICLONE, COPYFILE_FICLONE_FORCE } = constants
const SIZES = [0, 1, 4095, 4096, 65535, 65536, 65537, 10 * 1024 * 1024 + 1]
const dir = tempDir()

it('runs on the engine WSM_BACKEND asks for', () => {
  const wanted = process.env.WSM_BACKEND
  expect(['io_uring', 'epoll']).toContain(backend())
  if (wanted) expect(backend()).toBe(wanted)
})

describe.each(WAYS)('$name', (way) => {
  const here = join(dir, way.name.replace(/[^a-z0-9]+/gi, '_'))
  mkdirSync(here)

  it.each(SIZES)('copies %i bytes identically (sha256), with the source mode', async (size) => {
    const src = join(here, `src-${size}`)
    const dest = join(here, `dest-${size}`)
    writeRandomFile(src, size)
    chmodSync(src, 0o751)
    await expect(way.copy(src, dest)).resolves.toBeUndefined()
    expect(statSync(dest).size).toBe(size)
    expect(sha256(dest)).toBe(sha256(src))
    expect(statSync(dest).mode & 0o7777).toBe(0o751)
  })

  it('replaces a larger existing file completely', async () => {
    const src = join(here, 'small')
    const dest = join(here, 'large')
    writeRandomFile(src, 5000)
    writeRandomFile(dest, 200_000)
    await way.copy(src, dest)
    expect(sha256(dest)).toBe(sha256(src))
    expect(entries(here).filter((n) => TEMP_NAME.test(n))).toEqual([])
  })

  it('COPYFILE_EXCL copies to a new name and refuses an existing one, which stays intact', async () => {
    const src = join(here, 'excl-src')
    const dest = join(here, 'excl-dest')
    writeFileSync(src, 'new')
    await way.copy(src, dest, COPYFILE_EXCL)
    expect(readFileSync(dest, 'utf8')).toBe('new')
    writeFileSync(dest, 'old')
    const err = await rejection(() => way.copy(src, dest, COPYFILE_EXCL))
    expect(fieldsOf(err)).toMatchObject({ code: 'EEXIST', errno: -17, syscall: 'copyfile', path: src, dest })
    expect(readFileSync(dest, 'utf8')).toBe('old')
  })

  it('COPYFILE_FICLONE copies where the file system cannot clone (it falls back)', async () => {
    const src = join(here, 'clone-src')
    writeRandomFile(src, 100_000)
    await way.copy(src, join(here, 'clone-dest'), COPYFILE_FICLONE)
    await way.copy(src, join(here, 'clone-excl'), COPYFILE_FICLONE | COPYFILE_EXCL)
    expect(sha256(join(here, 'clone-dest'))).toBe(sha256(src))
    expect(sha256(join(here, 'clone-excl'))).toBe(sha256(src))
  })

  it('COPYFILE_FICLONE_FORCE fails as Node does where clones are impossible (the pipeline refuses it up front)', async () => {
    const src = join(here, 'force-src')
    writeFileSync(src, 'x')
    const nodeDest = join(here, 'force-node')
    if (way.pipeline) {
      const ours = await rejection(() => way.copy(src, nodeDest, COPYFILE_FICLONE_FORCE))
      expect(ours).toBeInstanceOf(TypeError)
      expect((ours as { code: string }).code).toBe('ERR_INCOMPATIBLE_OPTION_PAIR')
    } else {
      const settle = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e)
      const node = await settle(fsp.copyFile(src, nodeDest, COPYFILE_FICLONE_FORCE))
      const ourDest = join(here, 'force-ours')
      const ours = await settle(way.copy(src, ourDest, COPYFILE_FICLONE_FORCE))
      if (node === undefined) {
        // This file system clones: so must we, and the clone holds the source's bytes.
        expect(ours).toBeUndefined()
        expect(sha256(ourDest)).toBe(sha256(src))
      } else {
        expect(fieldsOf(ours)).toEqual({ ...fieldsOf(node), dest: ourDest })
        expect(entries(here).filter((n) => n.startsWith('force-'))).toEqual(['force-src'])
      }
    }
  })

  it('copying a file onto itself leaves it intact, as Node does', async () => {
    const src = join(here, 'self')
    writeFileSync(src, 'myself')
    await way.copy(src, src)
    expect(readFileSync(src, 'utf8')).toBe('myself')
    expect(entries(here).filter((n) => TEMP_NAME.test(n))).toEqual([])
  })

  // Node finds that source and destination are one file and does nothing: the inode and its other
  // names (hard links) stay.
  it('copying a file onto itself or its hard link keeps the inode and the link, as Node does', async () => {
    const src = join(here, 'linked')
    const link = join(here, 'linked-2')
    writeFileSync(src, 'one inode')
    linkSync(src, link)
    const { ino } = statSync(src)
    await way.copy(src, src)
    await way.copy(src, link)
    expect(statSync(src).ino).toBe(ino)
    expect(statSync(link).ino).toBe(ino)
    expect(statSync(src).nlink).toBe(2)
  })

  it('COPYFILE_EXCL onto itself fails with EEXIST, as Node does', async () => {
    const src = join(here, 'self-excl')
    writeFileSync(src, 'myself')
    const node = await rejection(() => fsp.copyFile(src, src, COPYFILE_EXCL))
    const ours = await rejection(() => way.copy(src, src, COPYFILE_EXCL))
    expect(fieldsOf(ours)).toEqual(fieldsOf(node))
    expect(readFileSync(src, 'utf8')).toBe('myself')
  })

  it('preserveTimestamps gives the copy the source times', async () => {
    const src = join(here, 'times')
    const dest = join(here, 'times-copy')
    writeRandomFile(src, 70_000)
    utimesSync(src, 1_000_000_000.5, 1_100_000_000.25)
    await way.copy(src, dest, 0, { preserveTimestamps: true })
    // The source's own atime moves as the copy reads it; the copy keeps the one it had.
    const b = statSync(dest)
    expect(b.mtimeMs).toBe(1_100_000_000_250)
    expect(b.atimeMs).toBe(1_000_000_000_500)
  })

  it('takes Buffer, Uint8Array and file URL paths', async () => {
    const src = join(here, 'typed-src')
    writeFileSync(src, 'typed')
    await way.copy(Buffer.from(src) as unknown as string, pathToFileURL(join(here, 'typed-1')) as unknown as string)
    await way.copy(pathToFileURL(src) as unknown as string, new TextEncoder().encode(join(here, 'typed-2')) as unknown as string)
    expect(readFileSync(join(here, 'typed-1'), 'utf8')).toBe('typed')
    expect(readFileSync(join(here, 'typed-2'), 'utf8')).toBe('typed')
  })
})

describe('progress', () => {
  it('the pipeline reports bytes as they are copied, the file size as total, and the whole at the end', async () => {
    const src = join(dir, 'progress-src')
    writeRandomFile(src, 32 << 20)
    const seen: Array<{ bytes: number; totalBytes: number }> = []
    const dest = join(dir, 'progress-iocp')
    await copyFile(src, dest, { strategy: 'iocp', bufferSize: 65536, queueDepth: 1, onProgress: (p) => seen.push(p) })
    expect(sha256(dest)).toBe(sha256(src))
    expect(seen.length).toBeGreaterThan(0)
    expect(seen.every((p) => p.totalBytes === 32 << 20)).toBe(true)
    expect(seen.map((p) => p.bytes)).toEqual([...seen.map((p) => p.bytes)].sort((a, b) => a - b))
    expect(seen.at(-1)).toEqual({ bytes: 32 << 20, totalBytes: 32 << 20 })
  })

  it('the pipeline onto itself (nothing to copy) still ends with bytes === totalBytes', async () => {
    const src = join(dir, 'progress-self')
    writeRandomFile(src, 100_000)
    const digest = sha256(src)
    const seen: Array<{ bytes: number; totalBytes: number }> = []
    await copyFile(src, src, { strategy: 'iocp', onProgress: (p) => seen.push(p) })
    expect(sha256(src)).toBe(digest)
    expect(seen).toEqual([{ bytes: 100_000, totalBytes: 100_000 }])
  })

  it('an in-kernel copy reports once, at the end', async () => {
    const src = join(dir, 'progress-src')
    const seen: Array<{ bytes: number; totalBytes: number }> = []
    const dest = join(dir, 'progress-kernel')
    await copyFile(src, dest, { strategy: 'kernel', onProgress: (p) => seen.push(p) })
    expect(sha256(dest)).toBe(sha256(src))
    expect(seen).toEqual([{ bytes: 32 << 20, totalBytes: 32 << 20 }])
  })
})

describe('paths the core cannot take', () => {
  const name = Buffer.concat([Buffer.from(join(dir, 'latin1-')), Buffer.from([0xe9, 0xff])])

  it('a Buffer path that is not UTF-8 is copied by Node itself in the drop-in form', async () => {
    await fsp.writeFile(name, 'bytes')
    const dest = Buffer.concat([name, Buffer.from('-copy')])
    await copyFile(name, dest)
    expect(readFileSync(dest, 'utf8')).toBe('bytes')
  })

  it('and is refused with ERR_INVALID_ARG_VALUE in the options form, where the options could not be honoured', async () => {
    const err = await rejection(() => copyFile(name, join(dir, 'x'), { strategy: 'iocp' }))
    expect(err).toBeInstanceOf(TypeError)
    expect((err as { code: string }).code).toBe('ERR_INVALID_ARG_VALUE')
  })
})
