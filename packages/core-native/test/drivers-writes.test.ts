// Connection#write from write callbacks, one write after another, on every driver: no callback
// runs inside write(), whatever the driver (a readiness driver's send may be taken by the kernel
// at once), so writing from each callback does not grow the stack.
import { describe, expect, it } from 'vitest'
import { DRIVER_MODELS, connectedPair, receiveAll, useDriverCleanup } from './helpers/drivers.js'
import { within } from './helpers/time.js'

useDriverCleanup()

for (const model of DRIVER_MODELS) {
  describe(`driver '${model}': writes`, () => {
    it("20,000 writes each made from the previous one's callback: no callback runs inside write(), the stack does not grow, every byte arrives", async () => {
      const [c, s] = await connectedPair(model)
      const received = receiveAll(s, 'every byte', 20_000)
      const WRITES = 20_000
      const chunk = Buffer.from('0123456789abcdef')
      let written = 0
      let insideWrite = false
      let calledInside = 0
      const done = new Promise<void>((resolve, reject) => {
        const writeNext = (err: Error | null): void => {
          if (insideWrite) calledInside++
          if (err !== null) return reject(err)
          if (written++ === WRITES) return resolve()
          insideWrite = true
          try {
            c.write(chunk, writeNext)
          } catch (e) {
            reject(e as Error) // RangeError: Maximum call stack size exceeded
          } finally {
            insideWrite = false
          }
        }
        writeNext(null)
      })
      await within(done, 'every callback', 20_000)
      c.end()
      expect(calledInside).toBe(0)
      expect((await received).length).toBe(chunk.length * WRITES)
    })
  })
}
