// Many connections at once, on every driver (DRIVER_MODELS) and, through WSM_BACKEND, both
// engines: 1,000 connections open together, each echoing its own bytes; and once they have all
// closed by themselves (both sides ended) and the listener has closed, this process holds exactly
// the descriptors it held before, counted before any cleanup could close what a driver forgot.
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { connect, type Connection } from '../lib/index.js'
import { DRIVER_MODELS, echoListener, next, own, receiveAll, useDriverCleanup } from './helpers/drivers.js'
import { openFds, settleLoop } from './helpers/fds.js'
import { within } from './helpers/time.js'

useDriverCleanup()

const CONNECTIONS = 1000
// Connections are made this many at a time: all at once would overflow the listener's SYN queue
// and wait for the kernel's one-second SYN retransmission.
const CONNECT_BATCH = 100

for (const model of DRIVER_MODELS) {
  describe(`driver '${model}': many connections`, () => {
    it(`${CONNECTIONS} connections open at once each echo their own 1 KiB intact; after all closed, no descriptor is left open`, async () => {
      await settleLoop()
      const before = openFds()
      const l = echoListener(model)
      const clients: Connection[] = []
      for (let i = 0; i < CONNECTIONS; i += CONNECT_BATCH) {
        const batch = await Promise.all(Array.from({ length: CONNECT_BATCH }, () => connect({ model, port: l.address().port, host: '127.0.0.1' })))
        for (const c of batch) clients.push(own(c))
      }
      await within((async () => { while (l.connections < CONNECTIONS) await new Promise((r) => setImmediate(r)) })(), 'all accepted', 10_000)

      // Every connection sends at once; each must get back exactly its own bytes.
      const echoes = clients.map(async (c) => {
        const payload = randomBytes(1024)
        const closed = next<[boolean]>(c, 'close', 20_000)
        const echoed = receiveAll(c, 'an echo', 20_000)
        c.end(payload)
        return (await echoed).equals(payload) && (await closed)[0] === false
      })
      const results = await Promise.all(echoes)
      expect(results.filter((ok) => !ok)).toHaveLength(0)

      await within(new Promise<void>((resolve) => l.close(resolve)), "the listener's close, after its last connection", 10_000)
      expect(l.connections).toBe(0)
      await settleLoop()
      const after = openFds()
      const leaked = [...after].filter(([fd, target]) => before.get(fd) !== target)
      expect(leaked).toEqual([])
    }, 60_000)
  })
}
