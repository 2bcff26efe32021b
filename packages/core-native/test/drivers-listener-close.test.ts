// A closed listener's 'close' comes once its last connection has closed: after that connection's
// own 'close', as net.Server's comes after its sockets' (a handler of the listener's 'close' sees
// every connection's 'close' handler done). On every driver.
import { describe, expect, it } from 'vitest'
import { connect, listen, type Connection } from '../lib/index.js'
import { DRIVER_MODELS, next, own, useDriverCleanup } from './helpers/drivers.js'
import { within } from './helpers/time.js'

useDriverCleanup()

for (const model of DRIVER_MODELS) {
  describe(`driver '${model}': the listener's 'close'`, () => {
    it("comes after its last connection's 'close', destroyed or closed by itself", async () => {
      const l = own(listen({ model, host: '127.0.0.1' }))
      const order: string[] = []
      const served: Connection[] = []
      l.on('connection', (s) => {
        served.push(own(s))
        s.on('close', () => order.push(`connection ${served.indexOf(s)}`))
        s.on('end', () => s.end())
      })
      const port = l.address().port
      own(await connect({ model, port, host: '127.0.0.1' }))
      const b = own(await connect({ model, port, host: '127.0.0.1' }))
      await within(
        (async () => {
          while (l.connections < 2) await new Promise((r) => setTimeout(r, 2))
        })(),
        'both served',
      )
      const closed = new Promise<void>((resolve) => l.close(() => (order.push('listener'), resolve())))
      served[0]!.destroy()
      await next(served[0]!, 'close')
      b.end() // the served end closes by itself, once both sides are finished
      await within(closed, "the listener's close")
      expect(order).toEqual(['connection 0', 'connection 1', 'listener'])
    })
  })
}
