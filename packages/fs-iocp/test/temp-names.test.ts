// A copy is written under a temporary name beside its destination. That name must fit NAME_MAX
// (255 bytes) whatever the destination's name: these use names of exactly 255 bytes.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cp } from '../src/index.js'
import { tempPathBeside } from '../src/temp-name.js'
import { rejection } from './helpers/errors.js'
import { TEMP_NAME, entries, sha256, tempDir, writeRandomFile } from './helpers/files.js'
import { WAYS } from './helpers/strategies.js'

const dir = tempDir()

/** Names of exactly 255 bytes in UTF-8: ASCII, and characters of 2, 3 and 4 bytes. */
const LONGEST_NAMES: Array<[string, string]> = [
  ['ASCII', 'a'.repeat(255)],
  ['2-byte UTF-8', `${'é'.repeat(127)}a`],
  ['3-byte UTF-8', '€'.repeat(85)],
  ['4-byte UTF-8', `${'😀'.repeat(63)}abc`],
]

it('the names are 255 bytes long, and the file system takes them', () => {
  for (const [, name] of LONGEST_NAMES) {
    expect(Buffer.byteLength(name)).toBe(255)
    writeFileSync(join(dir, name), 'x')
  }
})

describe.each(WAYS)('copyFile onto a 255-byte name: $name', (way) => {
  const here = join(dir, way.name.replace(/[^a-z0-9]+/gi, '_'))
  mkdirSync(here)
  const src = join(here, 'src')
  writeRandomFile(src, 100_000)

  it.each(LONGEST_NAMES)('%s, a new destination', async (_, name) => {
    const dest = join(here, name)
    await way.copy(src, dest)
    expect(sha256(dest)).toBe(sha256(src))
    expect(entries(here).filter((n) => TEMP_NAME.test(n))).toEqual([])
  })

  it.each(LONGEST_NAMES)('%s, over an existing file', async (_, name) => {
    const dest = join(here, `${name}`)
    writeFileSync(dest, 'old content')
    await way.copy(src, dest)
    expect(sha256(dest)).toBe(sha256(src))
    expect(readFileSync(dest).length).toBe(100_000)
    expect(entries(here).filter((n) => TEMP_NAME.test(n))).toEqual([])
  })
})

describe('cp with 255-byte names', () => {
  const subdir = `${'é'.repeat(127)}b`
  const link = `${'😀'.repeat(63)}lnk`

  /** A tree whose every entry (files, a directory, a symlink) has a 255-byte name. */
  function makeTree(root: string, content = 'file', target = 'target'): void {
    mkdirSync(join(root, subdir), { recursive: true })
    for (const [, name] of LONGEST_NAMES) writeFileSync(join(root, name), `${content} ${name}`)
    writeFileSync(join(root, subdir, LONGEST_NAMES[2]![1]), `${content} nested`)
    symlinkSync(target, join(root, link))
  }
  const check = (out: string) => {
    for (const [, name] of LONGEST_NAMES) expect(readFileSync(join(out, name), 'utf8')).toBe(`file ${name}`)
    expect(readFileSync(join(out, subdir, LONGEST_NAMES[2]![1]), 'utf8')).toBe('file nested')
    expect(readlinkSync(join(out, link))).toBe('target')
    expect(entries(out).filter((n) => TEMP_NAME.test(n))).toEqual([])
    expect(entries(join(out, subdir)).filter((n) => TEMP_NAME.test(n))).toEqual([])
  }

  it('into a new destination whose own name is 255 bytes', async () => {
    const root = join(dir, 'cp-src-new')
    makeTree(root)
    for (const [, name] of LONGEST_NAMES) {
      const out = join(dir, 'cp-new', name)
      mkdirSync(join(dir, 'cp-new'), { recursive: true })
      await cp(root, out)
      check(out)
    }
    expect(entries(join(dir, 'cp-new')).sort()).toEqual(LONGEST_NAMES.map(([, n]) => n).sort())
  })

  it('into a new 255-byte destination, all or nothing: a FIFO in the tree leaves no destination', async () => {
    const root = join(dir, 'cp-src-fifo')
    makeTree(root)
    execFileSync('mkfifo', [join(root, 'pipe')])
    const parent = join(dir, 'cp-fifo')
    mkdirSync(parent)
    const err = await rejection(() => cp(root, join(parent, LONGEST_NAMES[2]![1]!)))
    expect(err).toMatchObject({ code: 'ERR_FS_CP_FIFO_PIPE' })
    expect(entries(parent)).toEqual([])
  })

  it('merged into an existing tree of the same names: every file and symlink replaced', async () => {
    const root = join(dir, 'cp-src-merge')
    makeTree(root)
    const out = join(dir, 'cp-merge')
    makeTree(out, 'old', 'old target')
    await cp(root, out)
    check(out)
  })
})

describe('the temporary name itself', () => {
  it.each(LONGEST_NAMES)('%s: 255 bytes at most, a whole character cut, the pattern leftovers are found by', (_, name) => {
    for (const hidden of [false, true]) {
      const temp = tempPathBeside(join(dir, name), hidden)
      const base = temp.slice(dir.length + 1)
      expect(Buffer.byteLength(base)).toBeLessThanOrEqual(255)
      expect(base).toMatch(TEMP_NAME)
      expect(base.startsWith(hidden ? '.' : name.slice(0, 10))).toBe(true)
      expect(base).not.toContain('\ufffd')
      expect(temp.startsWith(join(dir, '/'))).toBe(true)
    }
  })
})
