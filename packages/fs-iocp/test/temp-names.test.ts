// A copy is written under a temporary name beside its destination. That name must fit NAME_MAX
// (255 bytes) whatever the destination's name: these use names of exactly 255 bytes.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { TEMP_NAME, entries, sha256, tempDir, writeRandomFile } from './helpers/files.js'
import { WAYS } from './helpers/strategies.js'

const dir = tempDir()

/** Names of exactly 255 bytes in UTF-8: ASCII, and characters of 2, 3 and 4 bytes. */
export const LONGEST_NAMES: Array<[string, string]> = [
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
