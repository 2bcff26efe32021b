import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { copyFile, copyFiles } from '../src/index.js'
import { rejection } from './helpers/errors.js'
import { TEMP_NAME, entries, tempDir, writeRandomFile } from './helpers/files.js'

const dir = tempDir()
const big = join(dir, 'big')
writeRandomFile(big, 256 << 20)

describe('abort', () => {
  it('an AbortSignal already aborted rejects with an AbortError and touches nothing', async () => {
    const reason = new Error('not now')
    for (const options of [{ strategy: 'iocp' as const }, { strategy: 'kernel' as const }]) {
      const err = await rejection(() => copyFile(big, join(dir, 'never'), { ...options, signal: AbortSignal.abort(reason) }))
      expect(err).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR', cause: reason })
    }
    expect(existsSync(join(dir, 'never'))).toBe(false)
  })

  it('aborting the pipeline mid-copy rejects with an AbortError and leaves no partial file', async () => {
    const out = join(dir, 'aborted')
    mkdirSync(out)
    const ac = new AbortController()
    let progressed = 0
    const err = await rejection(() =>
      copyFile(big, join(out, 'new'), {
        strategy: 'iocp',
        bufferSize: 4096,
        queueDepth: 1,
        signal: ac.signal,
        onProgress: ({ bytes }) => {
          progressed = bytes
          ac.abort()
        },
      }),
    )
    expect(err).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' })
    expect(progressed).toBeGreaterThan(0)
    expect(progressed).toBeLessThan(256 << 20)
    expect(entries(out)).toEqual([])
  })

  it('aborting the pipeline over an existing file leaves that file as it was', async () => {
    const out = join(dir, 'aborted-over')
    mkdirSync(out)
    writeFileSync(join(out, 'old'), 'old content')
    const ac = new AbortController()
    const err = await rejection(() => copyFile(big, join(out, 'old'), { bufferSize: 4096, queueDepth: 1, signal: ac.signal, onProgress: () => ac.abort() }))
    expect(err).toMatchObject({ name: 'AbortError' })
    expect(readFileSync(join(out, 'old'), 'utf8')).toBe('old content')
    expect(entries(out)).toEqual(['old'])
  })

  it('aborting many in-kernel copies stops them: every file there is whole, none partial, no temp file', async () => {
    const src = join(dir, 'many-src')
    const out = join(dir, 'many-out')
    mkdirSync(src)
    const pairs: Array<[string, string]> = []
    for (let i = 0; i < 3000; i++) {
      writeFileSync(join(src, `f${i}`), `file ${i} `.repeat(100 + (i % 50)))
      pairs.push([join(src, `f${i}`), join(out, `f${i}`)])
    }
    const ac = new AbortController()
    const err = await rejection(() => copyFiles(pairs, { signal: ac.signal, onProgress: ({ files }) => files > 0 && ac.abort() }))
    expect(err).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' })
    const copied = entries(out)
    expect(copied.length).toBeLessThan(3000)
    expect(copied.filter((n) => TEMP_NAME.test(n))).toEqual([])
    for (const name of copied) expect(readFileSync(join(out, name), 'utf8')).toBe(readFileSync(join(src, name), 'utf8'))
  })
})

/**
 * Starts a copy into `dest` in a child process and SIGKILLs it as soon as something in dest's
 * directory (the destination or a temp file beside it) holds copied data: so the kill lands mid-copy.
 */
async function killMidCopy(dest: string, options: object): Promise<void> {
  const script = `
    const { copyFile } = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)})
    await copyFile(process.argv[1], process.argv[2], JSON.parse(process.argv[3]))`
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, big, dest, JSON.stringify(options)], { stdio: 'inherit' })
  const out = dirname(dest)
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  const started = Date.now()
  for (let done = false; !done; ) {
    done = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 1))])
    const copying = entries(out).some((name) => {
      try {
        return statSync(join(out, name)).size > 1 << 20
      } catch {
        return false
      }
    })
    if (!done && (copying || Date.now() - started > 10_000)) {
      child.kill('SIGKILL')
      await exited
      done = true
    }
  }
}

describe('a copy whose process is SIGKILLed leaves no destination, or the old one intact, and at most a .wsm-<pid>-<hex>.tmp', () => {
  const cases = [
    { name: 'pipeline', options: { strategy: 'iocp', bufferSize: 65536, queueDepth: 2 } },
    { name: 'in-kernel', options: { strategy: 'kernel' } },
  ]
  for (const { name, options } of cases) {
    it(`${name}, new destination`, async () => {
      const out = join(dir, `kill-${name}-new`)
      mkdirSync(out)
      await killMidCopy(join(out, 'dest'), options)
      const left = entries(out)
      expect(left.filter((n) => !TEMP_NAME.test(n))).toEqual([])
      expect(left.length).toBe(1) // the temp file: the kill did land mid-copy
      rmSync(out, { recursive: true })
    })

    it(`${name}, existing destination`, async () => {
      const out = join(dir, `kill-${name}-old`)
      mkdirSync(out)
      writeFileSync(join(out, 'dest'), 'old content')
      await killMidCopy(join(out, 'dest'), options)
      const left = entries(out)
      expect(left.filter((n) => n !== 'dest' && !TEMP_NAME.test(n))).toEqual([])
      expect(left.length).toBe(2) // the temp file: the kill did land mid-copy
      expect(readFileSync(join(out, 'dest'), 'utf8')).toBe('old content')
      rmSync(out, { recursive: true })
    })
  }
})
