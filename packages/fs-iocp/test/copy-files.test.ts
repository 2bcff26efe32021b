import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { copyFiles } from '../src/index.js'
import { fieldsOf, rejection } from './helpers/errors.js'
import { TEMP_NAME, tempDir, writeRandomFile } from './helpers/files.js'

const dir = tempDir()
const src = join(dir, 'src')
mkdirSync(src)
for (let i = 0; i < 50; i++) writeRandomFile(join(src, `f${i}`), i * 1000)
symlinkSync('f1', join(src, 'link'))

describe('copyFiles', () => {
  it('copies every pair, making the missing directories, and reports progress to the total', async () => {
    const pairs = Array.from({ length: 50 }, (_, i) => [join(src, `f${i}`), join(dir, 'out', `d${i % 5}`, `g${i}`)] as [string, string])
    const seen: Array<{ files: number; totalFiles: number; bytes: number }> = []
    const result = await copyFiles(pairs, { concurrency: 3, onProgress: (p) => seen.push(p) })
    const total = (49 * 50 * 1000) / 2
    expect(result).toEqual({ files: 50, bytes: total, links: 0 })
    expect(seen.at(-1)).toEqual({ files: 50, totalFiles: 50, bytes: total })
    for (const [s, d] of pairs) expect(readFileSync(d)).toEqual(readFileSync(s))
  })

  it('takes any iterable of pairs, with Buffer and URL paths', async () => {
    function* gen() {
      yield [Buffer.from(join(src, 'f3')), pathToFileURL(join(dir, 'iter', 'a'))] as const
      yield [pathToFileURL(join(src, 'f4')), join(dir, 'iter', 'b')] as const
    }
    await copyFiles(gen())
    expect(readFileSync(join(dir, 'iter', 'a'))).toEqual(readFileSync(join(src, 'f3')))
    expect(readFileSync(join(dir, 'iter', 'b'))).toEqual(readFileSync(join(src, 'f4')))
  })

  it('follows symlinks by default, as copyFile does; dereference: false copies the link', async () => {
    await copyFiles([[join(src, 'link'), join(dir, 'deref', 'followed')]])
    expect(lstatSync(join(dir, 'deref', 'followed')).isFile()).toBe(true)
    const result = await copyFiles([[join(src, 'link'), join(dir, 'deref', 'kept')], [join(src, 'f2'), join(dir, 'deref', 'f2')]], { dereference: false })
    expect(readlinkSync(join(dir, 'deref', 'kept'))).toBe('f1')
    expect(result).toMatchObject({ files: 1, links: 1 })
  })

  it('filter (sync or async) leaves pairs out', async () => {
    const pairs = [0, 1, 2, 3].map((i) => [join(src, `f${i}`), join(dir, 'filtered', `f${i}`)] as [string, string])
    await copyFiles(pairs, { filter: async (s, d) => s.endsWith('1') || d.endsWith('3') })
    expect(readdirSync(join(dir, 'filtered')).sort()).toEqual(['f1', 'f3'])
  })

  it('overwrite: false skips existing files; errorOnExist makes it an EEXIST with the fields of copyFile', async () => {
    const out = join(dir, 'exists')
    mkdirSync(out)
    writeFileSync(join(out, 'f5'), 'mine')
    await copyFiles([[join(src, 'f5'), join(out, 'f5')], [join(src, 'f6'), join(out, 'f6')]], { overwrite: false })
    expect(readFileSync(join(out, 'f5'), 'utf8')).toBe('mine')
    expect(existsSync(join(out, 'f6'))).toBe(true)
    const err = await rejection(() => copyFiles([[join(src, 'f5'), join(out, 'f5')]], { overwrite: false, errorOnExist: true }))
    expect(fieldsOf(err)).toEqual({ class: 'Error', name: 'Error', code: 'EEXIST', errno: -17, syscall: 'copyfile', path: join(src, 'f5'), dest: join(out, 'f5') })
    await copyFiles([[join(src, 'f5'), join(out, 'f5')]])
    expect(readFileSync(join(out, 'f5'))).toEqual(readFileSync(join(src, 'f5')))
  })

  it('the first failure rejects with the failing pair in the error; no partial or temp file', async () => {
    const out = join(dir, 'failing')
    const pairs: Array<[string, string]> = [
      [join(src, 'f7'), join(out, 'f7')],
      [join(src, 'missing'), join(out, 'missing')],
    ]
    const err = await rejection(() => copyFiles(pairs, { concurrency: 1 }))
    expect(fieldsOf(err)).toEqual({ class: 'Error', name: 'Error', code: 'ENOENT', errno: -2, syscall: 'copyfile', path: join(src, 'missing'), dest: join(out, 'missing') })
    expect((err as Error).message).toBe(`ENOENT: no such file or directory, copyfile '${join(src, 'missing')}' -> '${join(out, 'missing')}'`)
    expect(readdirSync(out).filter((n) => TEMP_NAME.test(n) || n === 'missing')).toEqual([])
  })

  it('an empty list copies nothing', async () => {
    await expect(copyFiles([])).resolves.toEqual({ files: 0, bytes: 0, links: 0 })
  })

  it('bad arguments reject with Node-style errors', async () => {
    for (const [args, code] of [
      [[undefined], 'ERR_INVALID_ARG_TYPE'],
      [['a-string'], 'ERR_INVALID_ARG_TYPE'],
      [[[['only-one']]], 'ERR_INVALID_ARG_TYPE'],
      [[[[1, 'x']]], 'ERR_INVALID_ARG_TYPE'],
      [[[['a\0', 'x']]], 'ERR_INVALID_ARG_VALUE'],
      [[[[Buffer.from([0xff]), 'x']]], 'ERR_INVALID_ARG_VALUE'],
      [[[], { overwrite: 'no' }], 'ERR_INVALID_ARG_TYPE'],
      [[[], { concurrency: 2000 }], 'ERR_OUT_OF_RANGE'],
      [[[], { signal: 'x' }], 'ERR_INVALID_ARG_TYPE'],
      [[[['', 'x']]], 'ENOENT'],
    ] as const) {
      const err = await rejection(() => (copyFiles as (...a: unknown[]) => Promise<unknown>)(...args))
      expect({ args, code: (err as { code: string }).code }).toEqual({ args, code })
    }
  })
})
