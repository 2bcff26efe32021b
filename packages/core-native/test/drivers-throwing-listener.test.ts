// A Connection whose own event listener throws: the exception is uncaught (as from a net.Socket's
// listener), and the connection goes on as if the listener had returned: it still receives after a
// throwing 'data' listener, still closes after a throwing 'end' or 'finish' listener, still emits
// 'close' after a throwing 'error' listener, still calls back its writes after a throwing 'drain'
// listener or write callback. On every driver.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { WsmError } from '../lib/index.js'
import { DRIVER_MODELS, connectedPair, next, useDriverCleanup } from './helpers/drivers.js'
import { within } from './helpers/time.js'

useDriverCleanup()

// The listeners' exceptions, taken over for the duration of each test (vitest's own handlers would
// fail the run); the overlapped-event driver's completions come from promises, so a listener's
// exception there is an unhandled rejection.
const caught: unknown[] = []
type Handler = (e: unknown) => void
const saved = new Map<string, Handler[]>()
const keep: Handler = (e) => void caught.push(e)
beforeEach(() => {
  caught.length = 0
  for (const event of ['uncaughtException', 'unhandledRejection']) {
    saved.set(event, process.listeners(event as 'uncaughtException') as Handler[])
    process.removeAllListeners(event)
    process.on(event as 'uncaughtException', keep)
  }
})
afterEach(() => {
  for (const [event, listeners] of saved) {
    process.off(event as 'uncaughtException', keep)
    for (const l of listeners) process.on(event as 'uncaughtException', l)
  }
})

/** Until `n` exceptions were caught (each is rethrown on a later tick than the emit's). */
function caughtCount(n: number): Promise<void> {
  return within(
    (async () => {
      while (caught.length < n) await new Promise((r) => setTimeout(r, 5))
    })(),
    'the uncaught exception',
  )
}

const boom = new Error('thrown by a listener')
const throwOnce = (): (() => void) => {
  let thrown = false
  return () => {
    if (thrown) return
    thrown = true
    throw boom
  }
}

for (const model of DRIVER_MODELS) {
  describe(`driver '${model}': a listener that throws`, () => {
    it("'data': the bytes after it still arrive", async () => {
      const [c, s] = await connectedPair(model)
      const chunks: Buffer[] = []
      s.on('data', throwOnce())
      s.on('data', (d) => chunks.push(d))
      c.write(Buffer.from('first'))
      await caughtCount(1)
      c.end(Buffer.from('second'))
      await next(s, 'end')
      expect(caught).toEqual([boom])
      expect(Buffer.concat(chunks).toString()).toContain('second')
    })

    it("'end' and 'finish': the connection still closes", async () => {
      const [c, s] = await connectedPair(model)
      // c finishes first, so its 'end' is where it closes; s ends second, so its 'finish' is.
      c.on('end', throwOnce())
      s.on('end', () => s.end())
      s.on('finish', throwOnce())
      const closed = [next(s, 'close'), next(c, 'close')]
      c.end()
      await Promise.all(closed)
      await caughtCount(2)
      expect(caught).toEqual([boom, boom])
    })

    it("'error': 'close' still comes", async () => {
      const [c] = await connectedPair(model)
      c.on('error', throwOnce())
      const closed = next<[boolean]>(c, 'close')
      c.destroy(new Error('going away'))
      expect(await closed).toEqual([true])
      await caughtCount(1)
      expect(caught).toEqual([boom])
    })

    it('a write callback: the callbacks after it still run, those of a destroy too, and then close', async () => {
      const [c] = await connectedPair(model)
      const called: string[] = []
      const done = new Promise<void>((resolve) => {
        c.write(Buffer.from('x')) // in flight: the next two are sent together, and called back together
        c.write(Buffer.from('a'), throwOnce())
        c.write(Buffer.from('b'), (err) => {
          called.push(`b ${err}`)
          resolve()
        })
      })
      await within(done, "the second write's callback")
      await caughtCount(1)
      const slow = new Promise<void>((resolve) => {
        c.write(Buffer.alloc(64 << 20), () => {
          throw boom
        })
        c.write(Buffer.from('c'), (err) => {
          called.push(`c ${(err as WsmError).code}`)
          resolve()
        })
      })
      const closed = next(c, 'close')
      c.destroy()
      await within(slow, "the destroyed write's callback")
      await closed
      await caughtCount(2)
      expect(called).toEqual(['b null', 'c ECANCELED'])
      expect(caught).toEqual([boom, boom])
    })

    it("'drain': the write callbacks still run", async () => {
      const [c] = await connectedPair(model)
      const written = new Promise((resolve) => c.write(Buffer.alloc(4 << 20), resolve)) // past the high-water mark
      c.once('drain', throwOnce())
      expect(await within(written, 'the write callback', 10_000)).toBeNull()
      await caughtCount(1)
      expect(caught).toEqual([boom])
    })
  })
}
