// Idle connections cost no receive buffer (DESIGN.md, "an idle connection must not pin a receive
// buffer"): a driver waits for data without lending the kernel JavaScript memory (the iocp driver
// with a zero-byte WSARecv), and takes a buffer only when bytes arrive.
import { describe, expect, it } from 'vitest'
import { connect, listen, type Connection } from '../lib/index.js'
import { DRIVER_MODELS, next, own, useDriverCleanup } from './helpers/drivers.js'
import { within } from './helpers/time.js'

useDriverCleanup()

const CONNECTIONS = 1000

for (const model of DRIVER_MODELS) {
  describe(`driver '${model}': idle connections`, () => {
    it(`${CONNECTIONS} idle connections (both ends here) add less than 1 KiB of ArrayBuffer memory each, and still receive`, async () => {
      const l = own(listen({ model, host: '127.0.0.1' }))
      const accepted: Connection[] = []
      l.on('connection', (s) => accepted.push(own(s)))
      // One round trip first, so that what every connection shares (the receive slab) exists before counting.
      const first = own(await connect({ model, port: l.address().port, host: '127.0.0.1' }))
      await within((async () => { while (accepted.length < 1) await new Promise((r) => setImmediate(r)) })(), 'first accepted')
      first.write(Buffer.from('x'))
      await next(accepted[0]!, 'data')

      const before = process.memoryUsage().arrayBuffers
      const clients: Connection[] = []
      for (let i = 0; i < CONNECTIONS; i += 100) {
        const batch = await Promise.all(Array.from({ length: 100 }, () => connect({ model, port: l.address().port, host: '127.0.0.1' })))
        for (const c of batch) clients.push(own(c))
      }
      await within((async () => { while (accepted.length < CONNECTIONS + 1) await new Promise((r) => setImmediate(r)) })(), 'all accepted', 10_000)
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
      const grown = process.memoryUsage().arrayBuffers - before
      expect(grown / (2 * CONNECTIONS)).toBeLessThan(1024)

      // Idle, not deaf: the last one still gets what its peer sends.
      const last = accepted.at(-1)!
      const data = next<[Buffer]>(last, 'data')
      clients.find((c) => c.localPort === last.remotePort)!.write(Buffer.from('still listening'))
      expect((await data)[0].toString()).toBe('still listening')
    }, 30_000)
  })
}
