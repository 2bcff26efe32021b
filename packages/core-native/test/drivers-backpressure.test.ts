// Backpressure end to end, on every driver (DRIVER_MODELS) and, through WSM_BACKEND, both engines:
// a writer in another process offers 100 MiB at once to a connection paused from its first
// moment. A paused connection posts no receive, so the kernel's buffers fill and the writer is
// held with almost all of it still queued on its side, while the reader's process holds no more
// than a few MiB of it. After resume() every byte arrives, intact (sha256).
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { listen, type Connection } from '../lib/index.js'
import { DRIVER_MODELS, next, own, useDriverCleanup } from './helpers/drivers.js'
import { within } from './helpers/time.js'

useDriverCleanup()

const WRITER = fileURLToPath(new URL('./fixtures/drivers-writer-child.mjs', import.meta.url))
const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url))
const MiB = 1024 * 1024
const OFFERED = 100 * MiB
// What the reader's process may grow by while the writer is held: its receive slab and the
// like, nowhere near what was offered.
const READER_GROWTH_LIMIT = 8 * MiB
// The kernels' buffers of a loopback connection (tcp_wmem plus tcp_rmem, autotuned) take a few
// MiB of it; the rest must wait in the writer's queue.
const KERNEL_TAKES_AT_MOST = 32 * MiB

interface WriterMessage {
  held?: boolean
  offered: number
  bytesWritten: number
  writableLength: number
  sha256: string
  closed?: boolean
  hadError?: boolean
}

/** The next message of `child` that has `key`, bounded in time. */
function message(child: ChildProcess, key: 'held' | 'closed', ms: number): Promise<WriterMessage> {
  return within(
    new Promise<WriterMessage>((resolve, reject) => {
      const onMessage = (m: WriterMessage) => {
        if (!m[key]) return
        child.off('message', onMessage)
        resolve(m)
      }
      child.on('message', onMessage)
      child.once('exit', (code) => reject(new Error(`the writer exited (${code}) before '${key}'`)))
    }),
    `the writer's '${key}'`,
    ms,
  )
}

/** Memory outside the JavaScript heap: Buffers and ArrayBuffers, and what native code reports. */
function outsideHeap(): number {
  return process.memoryUsage().external
}

for (const model of DRIVER_MODELS) {
  describe(`driver '${model}': backpressure`, () => {
    it(`100 MiB offered to a paused reader: the writer is held, the reader grows by less than ${READER_GROWTH_LIMIT / MiB} MiB; after resume() all of it arrives (sha256)`, async () => {
      expect(existsSync(DIST), 'the package is built (pnpm build): the writer loads dist/').toBe(true)
      const l = own(listen({ model, host: '127.0.0.1' }))
      const accepted = new Promise<Connection>((resolve) =>
        l.once('connection', (s) => {
          s.pause()
          resolve(own(s))
        }),
      )
      const before = outsideHeap()
      const writer = spawn(process.execPath, [WRITER, model, String(l.address().port), String(OFFERED)], {
        env: process.env,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      })
      // 'close' comes once the writer has exited and its IPC channel (a socket here) is closed:
      // the file's descriptor count must not find that channel still open.
      const writerClosed = new Promise((resolve) => writer.once('close', resolve))
      try {
        const held = await message(writer, 'held', 20_000)
        const s = await accepted
        const grown = outsideHeap() - before
        expect(held.offered).toBe(OFFERED)
        expect(s.bytesRead).toBe(0)
        expect(held.bytesWritten).toBeLessThan(KERNEL_TAKES_AT_MOST)
        expect(held.writableLength).toBe(OFFERED - held.bytesWritten)
        expect(grown).toBeLessThan(READER_GROWTH_LIMIT)

        const hash = createHash('sha256')
        s.on('data', (d) => hash.update(d))
        s.on('end', () => s.end())
        const ended = next(s, 'end', 20_000)
        const closed = message(writer, 'closed', 20_000)
        s.resume()
        await ended
        expect(s.bytesRead).toBe(OFFERED)
        expect(hash.digest('hex')).toBe(held.sha256)
        expect(await closed).toMatchObject({ hadError: false, bytesWritten: OFFERED })
      } finally {
        writer.kill()
        await within(writerClosed, 'the writer exits', 5000)
      }
    }, 60_000)
  })
}
