// FileHandle (CreateFile with FILE_FLAG_OVERLAPPED, FILE_FLAG_NO_BUFFERING) and
// ReadFile/WriteFile at 64-bit offsets on the completion engine, on ports shared with sockets.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  CompletionPort,
  FileHandle,
  Overlapped,
  WsaEvent,
  WsmError,
  getOverlappedResult,
  readFileOverlapped,
  recvOverlapped,
  sleepEx,
  waitForMultipleEvents,
  writeFileOverlapped,
  type CompletionRoutine,
} from '../lib/index.js'
import { expectWsmError, thrown } from './helpers/errors.js'
import { expectNoFdLeaks } from './helpers/fds.js'
import { equalBytes, nextPacket, outcome, packets, random, untilDone, untilNoPendingOperations } from './helpers/overlapped.js'
import { bytes, closeAll, pair, text, useSocketCleanup } from './helpers/sockets.js'
import { WAIT_MS, within } from './helpers/time.js'

const dir = mkdtempSync(join(tmpdir(), 'wsm-files-'))
const files: FileHandle[] = []
const ports: CompletionPort[] = []

function open(path: string, options: Parameters<typeof FileHandle.open>[1]): FileHandle {
  const f = FileHandle.open(path, options)
  files.push(f)
  return f
}

function newPort(): CompletionPort {
  const p = new CompletionPort()
  ports.push(p)
  return p
}

let n = 0
function path(name = 'f'): string {
  return join(dir, `${name}-${n++}`)
}

expectNoFdLeaks(async () => {
  closeAll()
  for (const f of files.splice(0)) f.close()
  for (const p of ports.splice(0)) p.close()
  await untilNoPendingOperations()
})
useSocketCleanup()
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** ReadFile, waited for through getOverlappedResult. */
async function read(f: FileHandle, length: number, offset: bigint | number): Promise<Uint8Array> {
  const buf = new Uint8Array(length)
  const ov = new Overlapped()
  readFileOverlapped(f, buf, offset, ov)
  const r = await outcome(f, ov)
  if (r.error) throw r.error
  return buf.subarray(0, r.bytes)
}

/** WriteFile, waited for; returns the bytes written. */
async function write(f: FileHandle, data: Uint8Array, offset: bigint | number): Promise<number> {
  const ov = new Overlapped()
  writeFileOverlapped(f, data, offset, ov)
  const r = await outcome(f, ov)
  if (r.error) throw r.error
  return r.bytes
}

describe('FileHandle.open', () => {
  it('read opens an existing file; write + create makes a new one; size() is a bigint', async () => {
    const p = path()
    writeFileSync(p, 'existing contents')
    const r = open(p, { read: true })
    expect(r.size()).toBe(17n)
    expect(typeof r.size()).toBe('bigint')
    expect(text(await read(r, 64, 0), 8)).toBe('existing')
    expect(r.unbuffered).toBe(false)
    expect(r.alignment).toBe(1)

    const q = path()
    const w = open(q, { write: true, create: true })
    expect(w.size()).toBe(0n)
    expect(await write(w, bytes('new'), 0n)).toBe(3)
    expect(readFileSync(q, 'utf8')).toBe('new')
    // create on an existing file keeps its contents (OPEN_ALWAYS).
    const again = open(q, { read: true, write: true, create: true })
    expect(again.size()).toBe(3n)
  })

  it('exclusive: EEXIST when the file exists (CREATE_NEW), creates it otherwise', () => {
    const p = path()
    writeFileSync(p, 'x')
    const err = expectWsmError(() => open(p, { write: true, exclusive: true }), 'EEXIST')
    expect(err.syscall).toBe('open')
    expect(err.message).toContain(p)
    const q = path()
    open(q, { write: true, create: true, exclusive: true })
    expect(statSync(q).size).toBe(0)
  })

  it('a missing file without create is ENOENT; a directory is EISDIR', () => {
    expectWsmError(() => open(join(dir, 'missing'), { read: true }), 'ENOENT')
    expectWsmError(() => open(join(dir, 'missing'), { read: true, write: true }), 'ENOENT')
    expectWsmError(() => open(join(dir, 'no-such-dir', 'f'), { write: true, create: true }), 'ENOENT')
    const d = path('dir')
    mkdirSync(d)
    expectWsmError(() => open(d, { read: true }), 'EISDIR')
    expectWsmError(() => open(d, { write: true }), 'EISDIR')
  })

  it('truncate empties an existing file', async () => {
    const p = path()
    writeFileSync(p, 'some old contents')
    const f = open(p, { read: true, write: true, truncate: true })
    expect(f.size()).toBe(0n)
    expect(await read(f, 16, 0)).toHaveLength(0)
  })

  it('a file opened for reading only cannot be written (the write completes with EBADF), and the reverse', async () => {
    const p = path()
    writeFileSync(p, 'abc')
    const r = open(p, { read: true })
    const ov = new Overlapped()
    writeFileOverlapped(r, bytes('zz'), 0, ov)
    expect((await outcome(r, ov)).code).toBe('EBADF')
    const w = open(p, { write: true })
    readFileOverlapped(w, new Uint8Array(4), 0, ov)
    expect((await outcome(w, ov)).code).toBe('EBADF')
    expect(readFileSync(p, 'utf8')).toBe('abc')
  })

  it('setSize grows (with zeros) and shrinks the file', async () => {
    const f = open(path(), { read: true, write: true, create: true })
    await write(f, bytes('abcdef'), 0)
    f.setSize(3n)
    expect(f.size()).toBe(3n)
    f.setSize(10)
    expect(f.size()).toBe(10n)
    expect([...(await read(f, 16, 0))]).toEqual([97, 98, 99, 0, 0, 0, 0, 0, 0, 0])
  })

  it('a closed file: size, setSize, reads and writes are EBADF; close again is fine', () => {
    const f = open(path(), { read: true, write: true, create: true })
    f.close()
    f.close()
    expect(f.closed).toBe(true)
    expectWsmError(() => f.size(), 'EBADF')
    expectWsmError(() => f.setSize(1n), 'EBADF')
    const ov = new Overlapped()
    expectWsmError(() => readFileOverlapped(f, new Uint8Array(1), 0, ov), 'EBADF')
    expectWsmError(() => writeFileOverlapped(f, new Uint8Array(1), 0, ov), 'EBADF')
    expect(ov.pending).toBe(false)
  })
})

describe('readFileOverlapped / writeFileOverlapped', () => {
  it('at a 64-bit offset: 5 GiB into a sparse file, read back; size() reports past 4 GiB as a bigint', async () => {
    const f = open(path('sparse'), { read: true, write: true, create: true })
    const offset = 5n * 1024n ** 3n
    const data = random(4096 + 7)
    expect(await write(f, data, offset)).toBe(data.length)
    expect(f.size()).toBe(offset + BigInt(data.length))
    expect(equalBytes(await read(f, data.length, offset), data)).toBe(true)
    // A number offset past 2^32 means the same thing.
    expect(equalBytes(await read(f, 7, Number(offset) + 4096), data.subarray(4096))).toBe(true)
    // The hole reads as zeros.
    expect((await read(f, 8, 4n * 1024n ** 3n)).every((b) => b === 0)).toBe(true)
  })

  it('a read at or past the end of the file completes with 0 bytes; across it, short', async () => {
    const p = path()
    writeFileSync(p, '0123456789')
    const f = open(p, { read: true })
    expect(await read(f, 16, 10)).toHaveLength(0)
    expect(await read(f, 16, 1n << 40n)).toHaveLength(0)
    expect(text(await read(f, 16, 6), 4)).toBe('6789')
    const ov = new Overlapped()
    readFileOverlapped(f, new Uint8Array(4), 10, ov)
    expect(await getOverlappedResult(f, ov, true)).toEqual({ bytes: 0, flags: 0 })
  })

  it('reads land in any view: a DataView at an offset, a view over a SharedArrayBuffer, a wider typed array', async () => {
    const p = path()
    writeFileSync(p, 'abcdefgh')
    const f = open(p, { read: true, write: true })
    const backing = new ArrayBuffer(8)
    const ov = new Overlapped()
    readFileOverlapped(f, new DataView(backing, 2, 4) as unknown as Uint8Array, 1, ov)
    expect(await outcome(f, ov)).toMatchObject({ bytes: 4, code: null })
    expect(text(new Uint8Array(backing), 8)).toBe('\0\0bcde\0\0')
    const shared = new Uint8Array(new SharedArrayBuffer(8))
    readFileOverlapped(f, shared.subarray(3), 0, ov)
    expect(await outcome(f, ov)).toMatchObject({ bytes: 5, code: null })
    expect(text(shared, 8)).toBe('\0\0\0abcde')
    const wide = new Uint32Array(2)
    readFileOverlapped(f, wide as unknown as Uint8Array, 0, ov)
    expect(await outcome(f, ov)).toMatchObject({ bytes: 8, code: null })
    expect(text(new Uint8Array(wide.buffer), 8)).toBe('abcdefgh')
    // And writes from them.
    writeFileOverlapped(f, new DataView(new TextEncoder().encode('XYZ').buffer) as unknown as Uint8Array, 5, ov)
    expect(await outcome(f, ov)).toMatchObject({ bytes: 3, code: null })
    expect(readFileSync(p, 'utf8')).toBe('abcdeXYZ')
  })

  it('many reads and writes in flight at once, at their own offsets, all land where they should', async () => {
    const f = open(path(), { read: true, write: true, create: true })
    const chunk = 64 * 1024
    const data = random(chunk * 32)
    const ovs = Array.from({ length: 32 }, () => new Overlapped())
    // Written back to front, all in flight together.
    for (let i = 31; i >= 0; i--) writeFileOverlapped(f, data.subarray(i * chunk, (i + 1) * chunk), i * chunk, ovs[i]!)
    for (const ov of ovs) expect((await outcome(f, ov)).bytes).toBe(chunk)
    const out = new Uint8Array(data.length)
    for (let i = 0; i < 32; i++) readFileOverlapped(f, out.subarray(i * chunk, (i + 1) * chunk), BigInt(i * chunk), ovs[i]!)
    for (const ov of ovs) expect((await outcome(f, ov)).bytes).toBe(chunk)
    expect(equalBytes(out, data)).toBe(true)
  })

  it('completions go to an event, to a routine at an alertable wait, or to a port', async () => {
    const p = path()
    writeFileSync(p, 'routed')
    const f = open(p, { read: true })
    const event = new WsaEvent()
    const ov = new Overlapped({ event })
    const buf = new Uint8Array(8)
    readFileOverlapped(f, buf, 0, ov)
    expect(await within(waitForMultipleEvents([event], { timeoutMs: WAIT_MS }), 'event')).toBe(0)
    expect(ov.bytes).toBe(6)

    const calls: Array<[number, number]> = []
    const routine: CompletionRoutine = (error, n) => calls.push([error, n])
    readFileOverlapped(f, buf, 2, ov, routine)
    await untilDone(ov)
    expect(calls).toEqual([])
    expect(await within(sleepEx(WAIT_MS, true), 'sleepEx')).toBe(192)
    expect(calls).toEqual([[0, 4]])

    const port = newPort()
    port.associate(f, 55)
    readFileOverlapped(f, buf, 0, ov)
    const packet = await nextPacket(port)
    expect(packet).toMatchObject({ key: 55, bytes: 6, error: 0 })
    expect(packet.overlapped).toBe(ov)
    expect(text(buf, 6)).toBe('routed')
  })

  it('files and sockets share a completion port, told apart by their keys', async () => {
    const port = newPort()
    const f = open(path(), { read: true, write: true, create: true })
    const { client, peer } = await pair(4)
    port.associate(f, 1)
    port.associate(peer, 2)
    const fileOv = new Overlapped()
    const sockOv = new Overlapped()
    const sockBuf = new Uint8Array(16)
    recvOverlapped(peer, sockBuf, sockOv)
    writeFileOverlapped(f, bytes('file bytes'), 0, fileOv)
    client.send(bytes('socket bytes'))
    const got = await packets(port, 2)
    const byKey = new Map(got.map((p) => [p.key, p]))
    expect(byKey.get(1)).toMatchObject({ bytes: 10, error: 0 })
    expect(byKey.get(1)!.overlapped).toBe(fileOv)
    expect(byKey.get(2)).toMatchObject({ bytes: 12, error: 0 })
    expect(byKey.get(2)!.overlapped).toBe(sockOv)
    // Then the file is read back through the same port.
    const back = new Uint8Array(10)
    readFileOverlapped(f, back, 0, fileOv)
    expect(await nextPacket(port)).toMatchObject({ key: 1, bytes: 10 })
    expect(text(back, 10)).toBe('file bytes')
  })

  it('closing a file with operations in flight: every one completes (success or ECANCELED), none vanish', async () => {
    const p = path()
    writeFileSync(p, Buffer.alloc(1024 * 1024, 1))
    const f = open(p, { read: true })
    const port = newPort()
    port.associate(f, 4)
    const ovs = Array.from({ length: 64 }, () => new Overlapped())
    ovs.forEach((ov, i) => readFileOverlapped(f, new Uint8Array(16 * 1024), i * 16 * 1024, ov))
    f.close()
    const got = await packets(port, 64)
    expect(new Set(got.map((q) => q.overlapped))).toEqual(new Set(ovs))
    for (const q of got) {
      if (q.error === 0) expect(q.bytes).toBe(16 * 1024)
      else expect(q.cause!.code).toBe('ECANCELED')
    }
  })
})

/**
 * A directory whose file system takes O_DIRECT, or '' if none of the candidates does: the test's
 * temp dir (tmpfs takes O_DIRECT only from Linux 6.6), else /var/tmp, which is on disk where
 * /tmp is a tmpfs.
 */
function directIoDir(): { dir: string; refusal: WsmError | null } {
  let refusal: WsmError | null = null
  for (const base of [dir, '/var/tmp']) {
    let d: string
    try {
      d = mkdtempSync(join(base, 'wsm-direct-'))
    } catch {
      continue
    }
    try {
      FileHandle.open(join(d, 'probe'), { write: true, create: true, unbuffered: true }).close()
      return { dir: d, refusal: null }
    } catch (e) {
      if (!(e instanceof WsmError)) throw e
      refusal = e
      rmSync(d, { recursive: true, force: true })
    }
  }
  return { dir: '', refusal }
}

describe('unbuffered (O_DIRECT) files', () => {
  const direct = directIoDir()
  afterAll(() => {
    if (direct.dir) rmSync(direct.dir, { recursive: true, force: true })
  })

  // Where no candidate takes O_DIRECT, the tests that need it are skipped (the reason in their
  // titles) and this one checks the refusal instead: .ci/run fails on skips not on its allow-list.
  const NO_DIRECT = 'SKIPPED: no candidate directory takes O_DIRECT'
  if (!direct.dir) console.warn(`files.test.ts: ${NO_DIRECT} (${direct.refusal?.message})`)

  it('O_DIRECT: a candidate directory takes it (the file says so), or the refusal says clearly why', () => {
    if (direct.dir) {
      const f = open(join(direct.dir, 'probe'), { read: true, unbuffered: true })
      expect(f.unbuffered).toBe(true)
      expect(f.alignment).toBeGreaterThanOrEqual(512)
    } else {
      expect(direct.refusal).toBeInstanceOf(WsmError)
      expect(direct.refusal!.code).toBe('EINVAL')
      expect(direct.refusal!.message).toMatch(/O_DIRECT|unbuffered/)
    }
  })

  it.skipIf(!direct.dir)(`misaligned offsets and lengths are EINVAL with a message naming the alignment${direct.dir ? '' : ` (${NO_DIRECT})`}`, () => {
    const f = open(join(direct.dir, 'misaligned'), { read: true, write: true, create: true, unbuffered: true })
    expect(f.unbuffered).toBe(true)
    const a = f.alignment
    expect(a).toBeGreaterThanOrEqual(512)
    expect(a & (a - 1)).toBe(0)
    const ov = new Overlapped()
    for (const [length, offset] of [
      [a, 1],
      [a, a + 1],
      [a - 1, 0],
      [a + 1, a],
      [1, 0],
    ]) {
      for (const start of [readFileOverlapped, writeFileOverlapped]) {
        const err = expectWsmError(() => start(f, new Uint8Array(length!), BigInt(offset!), ov), 'EINVAL')
        expect(err.message).toContain(`multiples of ${a}`)
        expect(err.message).toContain(`offset ${offset}`)
        expect(err.message).toContain(`length ${length}`)
        expect(ov.pending).toBe(false)
      }
    }
  })

  it.skipIf(!direct.dir)(`aligned reads and writes round-trip, from unaligned JavaScript buffers, at a 64-bit offset too${direct.dir ? '' : ` (${NO_DIRECT})`}`, async () => {
    const f = open(join(direct.dir, 'aligned'), { read: true, write: true, create: true, unbuffered: true })
    const a = f.alignment
    const data = random(a * 8)
    // A view at an odd address: the core's own aligned buffer is what the kernel sees.
    const backing = new Uint8Array(data.length + 3)
    backing.set(data, 3)
    expect(await write(f, backing.subarray(3), a * 2)).toBe(data.length)
    expect(f.size()).toBe(BigInt(a * 10))
    const into = new Uint8Array(data.length + 1).subarray(1)
    const ov = new Overlapped()
    readFileOverlapped(f, into, BigInt(a * 2), ov)
    expect((await outcome(f, ov)).bytes).toBe(data.length)
    expect(equalBytes(into, data)).toBe(true)
    const far = 5n * 1024n ** 3n
    expect(await write(f, data.subarray(0, a), far)).toBe(a)
    expect(equalBytes(await read(f, a, far), data.subarray(0, a))).toBe(true)
    // Read at the end: 0 bytes, no error.
    expect(await read(f, a, far + BigInt(a))).toHaveLength(0)
  })

  it('an unbuffered open on a file system without O_DIRECT (procfs, sysfs) is a clear EINVAL, not a bare one', () => {
    const refusals: WsmError[] = []
    for (const candidate of ['/proc/self/status', '/sys/kernel/mm/transparent_hugepage/enabled', '/proc/version']) {
      try {
        FileHandle.open(candidate, { read: true, unbuffered: true }).close()
      } catch (e) {
        expect(e).toBeInstanceOf(WsmError)
        refusals.push(e as WsmError)
      }
    }
    expect(refusals.length).toBeGreaterThan(0)
    for (const e of refusals) {
      expect(e.code).toBe('EINVAL')
      expect(e.message).toMatch(/does not support unbuffered \(O_DIRECT\)/)
    }
    expect(thrown(() => FileHandle.open(join(dir, 'missing'), { read: true, unbuffered: true }))).toMatchObject({ code: 'ENOENT' })
  })
})
