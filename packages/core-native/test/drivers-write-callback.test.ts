// Connection#write(data, onWritten): the callback runs once the bytes are sent (in write order, with
// null), or with an error if the connection is destroyed first. @wsm/streams' write callbacks and
// backpressure stand on it.
import { describe, expect, it } from 'vitest'
import type { WsmError } from '../lib/index.js'
import { DRIVER_MODELS, connectedPair, next, receiveAll, useDriverCleanup } from './helpers/drivers.js'
import { expectTypeError } from './helpers/errors.js'
import { within } from './helpers/time.js'

useDriverCleanup()

for (const model of DRIVER_MODELS) {
  describe(`driver '${model}': write callbacks`, () => {
    it('each runs once, in write order, with null, after its bytes were sent; a callback that writes keeps the order', async () => {
      const [c, s] = await connectedPair(model)
      const received = receiveAll(s, 'every byte', 10_000)
      const order: number[] = []
      const sentAt: number[] = []
      const expected: Buffer[] = []
      const all = new Promise<void>((resolve, reject) => {
        for (let i = 0; i < 200; i++) {
          const chunk = Buffer.alloc(1 + ((i * 7919) % 30_000), i)
          expected.push(chunk)
          const end = expected.reduce((n, b) => n + b.length, 0)
          c.write(chunk, (err) => {
            if (err !== null) return reject(err)
            order.push(i)
            sentAt.push(c.bytesWritten - end) // never negative: its bytes are counted as sent
            if (i === 199) {
              // A write from a callback goes after everything written before it.
              const tail = Buffer.from('tail')
              expected.push(tail)
              c.write(tail, (e) => (e === null ? resolve() : reject(e)))
            }
          })
        }
      })
      await within(all, 'every callback', 10_000)
      c.end()
      expect(order).toEqual(Array.from({ length: 200 }, (_, i) => i))
      expect(sentAt.every((d) => d >= 0)).toBe(true)
      expect((await received).equals(Buffer.concat(expected))).toBe(true)
    })

    it('more buffers than one send takes (1024) in a single write: all sent, in order, one callback', async () => {
      const [c, s] = await connectedPair(model)
      const received = receiveAll(s, 'every byte', 10_000)
      const buffers = Array.from({ length: 2500 }, (_, i) => Buffer.from(`${i},`))
      buffers.splice(1, 0, ...Array.from({ length: 1100 }, () => Buffer.alloc(0))) // empty ones are skipped
      let calls = 0
      const written = new Promise<WsmError | null>((resolve) => c.write(buffers, (err) => (calls++, resolve(err))))
      expect(await within(written, 'the callback', 10_000)).toBeNull()
      expect(calls).toBe(1)
      c.end()
      expect((await received).toString()).toBe(Buffer.concat(buffers).toString())
    })

    it('an empty write calls back too, later, not inside write()', async () => {
      const [c] = await connectedPair(model)
      let called = 0
      c.write(Buffer.alloc(0), (err) => {
        expect(err).toBeNull()
        called++
      })
      expect(called).toBe(0)
      await within(new Promise((r) => setImmediate(r)), 'a turn')
      expect(called).toBe(1)
    })

    it('destroyed before its bytes were sent: the callback gets the destroy error (or ECANCELED), once', async () => {
      const [c, s] = await connectedPair(model)
      s.pause() // nothing is read: the writer's bytes pile up
      const chunk = Buffer.alloc(1 << 20)
      const errors: Array<Error | null> = []
      for (let i = 0; i < 64; i++) c.write(chunk, (err) => errors.push(err))
      await new Promise((r) => setTimeout(r, 50))
      const pending = 64 - errors.length
      expect(pending).toBeGreaterThan(0)
      const why = new Error('going away')
      c.on('error', () => {})
      const closed = next(c, 'close')
      c.destroy(why)
      await closed
      expect(errors).toHaveLength(64)
      expect(errors.filter((e) => e === why)).toHaveLength(pending)
      const c2 = (await connectedPair(model))[0]
      c2.write(Buffer.alloc(1 << 20))
      const without = new Promise<Error | null>((resolve) => c2.write(Buffer.alloc(16 << 20), resolve))
      c2.destroy()
      expect(await within(without, 'the callback')).toMatchObject({ code: 'ECANCELED', syscall: 'WSASend' })
    })

    it("destroyed from 'drain' or from a callback: every write already sent still calls back with null", async () => {
      const [c, s] = await connectedPair(model)
      const received = receiveAll(s, 'the bytes sent', 10_000)
      const results: Array<[string, Error | null]> = []
      const record = (name: string) => (err: Error | null) => results.push([name, err])
      // Past the high-water mark: 'drain' follows, and its listener destroys.
      expect(c.write(Buffer.alloc(256 * 1024, 1), record('big'))).toBe(false)
      c.once('drain', () => c.destroy())
      await within(next(c, 'close'), "the 'drain' listener's destroy")
      expect(results).toEqual([['big', null]])
      expect((await received).byteLength).toBe(256 * 1024)

      // Two writes queued behind one in flight go out in one send; the first of them calls back
      // and destroys: the other was sent in the same send, so its callback gets null too.
      const [c2, s2] = await connectedPair(model)
      const received2 = receiveAll(s2, 'the bytes sent', 10_000)
      const results2: Array<[string, Error | null]> = []
      const record2 = (name: string) => (err: Error | null) => results2.push([name, err])
      c2.write(Buffer.alloc(64 * 1024, 1), record2('first'))
      c2.write(Buffer.from('second'), (err) => {
        record2('second')(err)
        c2.destroy()
      })
      c2.write(Buffer.from('third'), record2('third'))
      await within(next(c2, 'close'), "the callback's destroy")
      expect(results2).toEqual([['first', null], ['second', null], ['third', null]])
      expect((await received2).byteLength).toBe(64 * 1024 + 'secondthird'.length)
    })

    it('a callback that is not a function: ERR_INVALID_ARG_TYPE, and nothing is sent', async () => {
      const [c] = await connectedPair(model)
      expectTypeError(() => c.write(Buffer.from('x'), 1 as never))
      // A class is a function that throws when called: no callback either.
      expectTypeError(() => c.write(Buffer.from('x'), class Callback {} as never))
      expect(c.writableLength).toBe(0)
      // Functions of every other kind are callbacks: plain, arrow, bound, async.
      for (const callback of [function plain() {}, () => {}, function bound() {}.bind(null), async () => {}]) {
        expect(c.write(Buffer.from('y'), callback)).toBe(true)
      }
    })
  })
}
