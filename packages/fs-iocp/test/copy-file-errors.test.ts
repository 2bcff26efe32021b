import { execFileSync } from 'node:child_process'
import { chmodSync, chownSync, constants, mkdirSync, promises as fsp, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { copyFile } from '../src/index.js'
import { fieldsOf, rejection } from './helpers/errors.js'
import { TEMP_NAME, entries, tempDir, writeRandomFile } from './helpers/files.js'
import { stageBuiltPackages } from './helpers/stage.js'
import { WAYS } from './helpers/strategies.js'

const { COPYFILE_EXCL } = constants
const dir = tempDir()

describe('bad arguments reject (never throw) with the errors of fs.promises.copyFile', () => {
  writeFileSync(join(dir, 'a'), 'a')
  const a = join(dir, 'a')
  const b = join(dir, 'b')
  const cases: Array<[string, unknown[]]> = [
    ['src missing', []],
    ['src a number', [1, b]],
    ['src null', [null, b]],
    ['src a plain object', [{}, b]],
    ['src an array', [[], b]],
    ['src a function', [function named() {}, b]],
    ['src a symbol', [Symbol('s'), b]],
    ['src a bigint', [1n, b]],
    ['src a long string-like number', [123456789012345678901234567890, b]],
    ['dest a boolean', [a, true]],
    ['src with a NUL byte', ['a\0b', b]],
    ['dest with a NUL byte', [a, 'b\0']],
    ['src a Buffer with a NUL byte', [Buffer.from('a\0b'), b]],
    ['src a file URL with %00', [new URL('file:///tmp/a%00'), b]],
    ['src an http URL', [new URL('http://example.com/a'), b]],
    ['src a file URL with a host', [new URL('file://host/a'), b]],
    ['src a file URL with an encoded /', [new URL('file:///a%2fb'), b]],
    ['mode 8', [a, b, 8]],
    ['mode -1', [a, b, -1]],
    ['mode NaN', [a, b, Number.NaN]],
    ['mode Infinity', [a, b, Number.POSITIVE_INFINITY]],
    ['mode 2 ** 32', [a, b, 2 ** 32]],
    ['mode a string', [a, b, '1']],
    ['mode a boolean', [a, b, true]],
    ['mode a bigint', [a, b, 1n]],
    ['mode an array (taken for options here: still ERR_INVALID_ARG_TYPE)', [a, b, []]],
  ]

  it.each(cases)('%s', async (_, args) => {
    const node = await rejection(() => (fsp.copyFile as (...a: unknown[]) => Promise<void>)(...args))
    const ours = await rejection(() => (copyFile as (...a: unknown[]) => Promise<void>)(...args))
    expect(fieldsOf(ours)).toEqual(fieldsOf(node))
    // Options-array aside, the words are Node's too.
    if (!Array.isArray(args[2])) expect((ours as Error).message).toBe((node as Error).message)
  })

  it('mode 1.5 and -0.5 are truncated, as Node does (7.9 is FICLONE_FORCE|FICLONE|EXCL)', async () => {
    await copyFile(a, join(dir, 'trunc-1'), -0.5)
    await expect(copyFile(a, join(dir, 'trunc-1'), 1.5)).rejects.toMatchObject({ code: 'EEXIST' })
  })

  it('options are checked with Node-style errors', async () => {
    const bad: Array<[object, string, string]> = [
      [{ strategy: 'fast' }, 'TypeError', 'ERR_INVALID_ARG_VALUE'],
      [{ unbuffered: 1 }, 'TypeError', 'ERR_INVALID_ARG_TYPE'],
      [{ bufferSize: 100 }, 'RangeError', 'ERR_OUT_OF_RANGE'],
      [{ bufferSize: 65536.5 }, 'RangeError', 'ERR_OUT_OF_RANGE'],
      [{ queueDepth: 0 }, 'RangeError', 'ERR_OUT_OF_RANGE'],
      [{ queueDepth: '4' }, 'TypeError', 'ERR_INVALID_ARG_TYPE'],
      [{ signal: {} }, 'TypeError', 'ERR_INVALID_ARG_TYPE'],
      [{ onProgress: 1 }, 'TypeError', 'ERR_INVALID_ARG_TYPE'],
      [{ preserveTimestamps: 'yes' }, 'TypeError', 'ERR_INVALID_ARG_TYPE'],
      [{ mode: 9 }, 'RangeError', 'ERR_OUT_OF_RANGE'],
      [{ strategy: 'kernel', unbuffered: true }, 'TypeError', 'ERR_INCOMPATIBLE_OPTION_PAIR'],
      [{ strategy: 'kernel', queueDepth: 8 }, 'TypeError', 'ERR_INCOMPATIBLE_OPTION_PAIR'],
      [{ unbuffered: true, mode: constants.COPYFILE_FICLONE_FORCE }, 'TypeError', 'ERR_INCOMPATIBLE_OPTION_PAIR'],
    ]
    for (const [options, cls, code] of bad) {
      const err = await rejection(() => copyFile(a, b, options))
      expect({ options, cls: (err as Error).constructor.name, code: (err as { code: string }).code }).toEqual({ options, cls, code })
    }
    expect(entries(dir)).not.toContain('b')
  })
})

/** Sets up a situation afresh, then runs `copy` in it; resolves the error, or undefined. */
type Situation = { name: string; mode?: number; setup(base: string): [string, string] }

const situations: Situation[] = [
  { name: 'ENOENT: no source', setup: (d) => [join(d, 'missing'), join(d, 'out')] },
  { name: 'ENOENT: an empty source path', setup: (d) => ['', join(d, 'out')] },
  { name: 'ENOENT: an empty destination path', setup: (d) => (writeFileSync(join(d, 's'), 's'), [join(d, 's'), '']) },
  { name: 'ENOENT: no directory for the destination', setup: (d) => (writeFileSync(join(d, 's'), 's'), [join(d, 's'), join(d, 'nodir', 'out')]) },
  { name: 'ENOTDIR: a file where a directory should be', setup: (d) => (writeFileSync(join(d, 's'), 's'), [join(d, 's'), join(d, 's', 'out')]) },
  {
    name: 'EISDIR: the source is a directory',
    setup: (d) => (mkdirSync(join(d, 'sd')), [join(d, 'sd'), join(d, 'out')]),
  },
  { name: 'EISDIR: the destination is a directory', setup: (d) => (writeFileSync(join(d, 's'), 's'), mkdirSync(join(d, 'dd')), [join(d, 's'), join(d, 'dd')]) },
  { name: 'EEXIST: COPYFILE_EXCL and the destination exists', mode: COPYFILE_EXCL, setup: (d) => (writeFileSync(join(d, 's'), 's'), writeFileSync(join(d, 'o'), 'o'), [join(d, 's'), join(d, 'o')]) },
  {
    name: 'EEXIST: COPYFILE_EXCL and the destination is a directory',
    mode: COPYFILE_EXCL,
    setup: (d) => (writeFileSync(join(d, 's'), 's'), mkdirSync(join(d, 'dd')), [join(d, 's'), join(d, 'dd')]),
  },
]

describe.each(WAYS)('system errors carry what fs.promises.copyFile gives: $name', (way) => {
  for (const s of situations) {
    it(s.name, async () => {
      // The same names in both runs: the paths in the errors must match.
      const base = join(dir, 'situation')
      rmSync(base, { recursive: true, force: true })
      mkdirSync(base)
      const [src, dest] = s.setup(base)
      const node = await rejection(() => fsp.copyFile(src, dest, s.mode))
      rmSync(base, { recursive: true, force: true })
      mkdirSync(base)
      s.setup(base)
      const ours = await rejection(() => way.copy(src, dest, s.mode))
      expect(fieldsOf(ours)).toEqual(fieldsOf(node))
      expect((ours as Error).message.startsWith(`${(node as { code: string }).code}: `)).toBe(true)
      expect(entries(base).filter((e) => TEMP_NAME.test(e))).toEqual([])
    })
  }
})

describe('EACCES, as an unprivileged user (uid 65534)', () => {
  // Root passes every permission check, so the comparison runs in a child that is not root. The
  // child loads a copy of the built packages that it can read wherever the checkout lives.
  const entry = stageBuiltPackages(join(dir, 'stage'))
  const base = join(dir, 'eacces')
  mkdirSync(base)
  chmodSync(dir, 0o755)
  writeFileSync(join(base, 'secret'), 'no')
  chmodSync(join(base, 'secret'), 0o600)
  writeFileSync(join(base, 'open'), 'yes')
  chmodSync(join(base, 'open'), 0o644)
  mkdirSync(join(base, 'locked'))
  chmodSync(join(base, 'locked'), 0o555)
  mkdirSync(join(base, 'mine'))
  chownSync(join(base, 'mine'), 65534, 65534)

  const script = `
    const { promises: fsp } = await import('node:fs')
    const { copyFile } = await import(${JSON.stringify(entry)})
    const fields = (e) => e && { class: e.constructor.name, code: e.code, errno: e.errno, syscall: e.syscall, path: e.path, dest: e.dest }
    const out = {}
    for (const [name, src, dest, opts] of JSON.parse(process.argv[1])) {
      const node = await fsp.copyFile(src, dest).then(() => null, fields)
      const ours = await copyFile(src, dest, opts).then(() => null, fields)
      out[name] = { node, ours }
    }
    console.log(JSON.stringify(out))`
  const cases = WAYS.flatMap((w, i) => [
    [`${w.name}: unreadable source`, join(base, 'secret'), join(base, 'mine', `out-${i}`), w.options],
    [`${w.name}: unwritable directory`, join(base, 'open'), join(base, 'locked', 'out'), w.options],
  ])

  // One child runs every case, Node's copy and ours side by side.
  let results: Record<string, { node: unknown; ours: unknown }> | undefined
  const resultOf = (name: string) => {
    results ??= JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(cases)], { uid: 65534, gid: 65534, encoding: 'utf8', cwd: base }),
    ) as Record<string, { node: unknown; ours: unknown }>
    return results[name]!
  }

  it.each(cases.map((c) => c[0] as string))('%s', (name) => {
    const out = resultOf(name)
    expect(out.node).toMatchObject({ code: 'EACCES' })
    expect(out.ours).toEqual(out.node)
    expect(entries(join(base, 'mine'))).toEqual([])
  })
})

// ENOSPC on a file system of our own: a 1 MiB tmpfs, mounted here (we run as root).
const mountPoint = join(dir, 'tiny')
mkdirSync(mountPoint)
let canMount = false
let mountRefusal = ''
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint], { stdio: 'pipe' })
  canMount = true
} catch (err) {
  mountRefusal = String((err as { stderr?: Buffer }).stderr ?? err).trim()
}
afterAll(() => {
  if (canMount) execFileSync('umount', [mountPoint])
})

// Without the mount (not root, no CAP_SYS_ADMIN) these are skipped, the reason in their titles;
// .ci/run fails on a skip that is not on .ci/allowed-skips.txt.
if (!canMount) console.warn(`copy-file-errors.test.ts: ENOSPC tests SKIPPED, mount refused: ${mountRefusal}`)
describe(`ENOSPC on a 1 MiB tmpfs${canMount ? '' : ' (SKIPPED: mount of a tmpfs refused)'}`, () => {
  const big = join(dir, 'two-mib')
  writeRandomFile(big, 2 << 20)

  for (const way of WAYS) {
    it.skipIf(!canMount)(`${way.name}: the error matches Node's and no partial file is left`, async () => {
      for (const e of entries(mountPoint)) rmSync(join(mountPoint, e))
      const dest = join(mountPoint, 'full')
      const node = await rejection(() => fsp.copyFile(big, dest))
      rmSync(dest, { force: true })
      const ours = await rejection(() => way.copy(big, dest))
      expect(fieldsOf(ours)).toEqual(fieldsOf(node))
      expect(fieldsOf(ours).code).toBe('ENOSPC')
      expect(entries(mountPoint)).toEqual([])
    })

    it.skipIf(!canMount)(`${way.name}: an existing destination stays as it was`, async () => {
      for (const e of entries(mountPoint)) rmSync(join(mountPoint, e))
      const dest = join(mountPoint, 'kept')
      writeFileSync(dest, 'old content')
      const ours = await rejection(() => way.copy(big, dest))
      expect(fieldsOf(ours)).toMatchObject({ code: 'ENOSPC', syscall: 'copyfile', path: big, dest })
      expect(readFileSync(dest, 'utf8')).toBe('old content')
      expect(entries(mountPoint)).toEqual(['kept'])
    })
  }
})
