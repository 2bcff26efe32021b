// cp's own options next to fs.cp's: `overwrite` is `force` under fs-extra's name. (fs.cp's
// options themselves are compared with Node's in test/cp-node-compat.test.ts.)
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cp } from '../src/index.js'
import { rejection } from './helpers/errors.js'
import { tempDir } from './helpers/files.js'

const dir = tempDir()

describe('cp: force and its alias overwrite', () => {
  const src = join(dir, 'new')
  writeFileSync(src, 'new')
  const fresh = (name: string) => {
    const dest = join(dir, name)
    writeFileSync(dest, 'old')
    return dest
  }

  it.each([
    [{ force: false }, 'old'],
    [{ overwrite: false }, 'old'],
    [{ force: false, overwrite: false }, 'old'],
    [{ force: true }, 'new'],
    [{ overwrite: true }, 'new'],
    [{}, 'new'],
  ])('%o leaves the destination holding %s', async (options, content) => {
    const dest = fresh(`dest-${JSON.stringify(options)}`)
    await cp(src, dest, options)
    expect(readFileSync(dest, 'utf8')).toBe(content)
  })

  it('overwrite: false with errorOnExist is ERR_FS_CP_EEXIST, as force: false is', async () => {
    const dest = fresh('exists')
    const err = await rejection(() => cp(src, dest, { overwrite: false, errorOnExist: true }))
    expect(err).toMatchObject({ code: 'ERR_FS_CP_EEXIST', syscall: 'cp', errno: 17, path: dest })
    expect(readFileSync(dest, 'utf8')).toBe('old')
  })

  it('force and overwrite that disagree reject with ERR_INCOMPATIBLE_OPTION_PAIR, and nothing is copied', async () => {
    const dest = fresh('disagree')
    const err = await rejection(() => cp(src, dest, { force: true, overwrite: false }))
    expect(err).toBeInstanceOf(TypeError)
    expect(err).toMatchObject({ code: 'ERR_INCOMPATIBLE_OPTION_PAIR', message: 'Option "force" cannot be used in combination with option "overwrite"' })
    expect(readFileSync(dest, 'utf8')).toBe('old')
  })

  it('overwrite that is not a boolean rejects with ERR_INVALID_ARG_TYPE', async () => {
    const err = await rejection(() => cp(src, fresh('bad'), { overwrite: 'no' } as never))
    expect(err).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', message: expect.stringContaining('"options.overwrite"') })
  })
})
