// A connection the peer resets before the listener's JavaScript has seen it (accepted by the
// kernel or still queued, then RST): getpeername fails with ENOTCONN, so it cannot become a
// Connection. It died in the backlog, as one accept() reports ECONNABORTED for: the listener closes
// it unannounced and goes on serving, on every driver.
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { connect, listen, type Connection } from '../lib/index.js'
import { DRIVER_MODELS, next, own, useDriverCleanup } from './helpers/drivers.js'
import { delay } from './helpers/time.js'

useDriverCleanup()

/**
 * A Node client in another process connects and resets (RST) at once, while this process is
 * blocked in execFileSync: its event loop cannot run, so the accept is heard only afterwards.
 */
function connectAndResetWhileBlocked(port: number): void {
  const client = `const s = require('node:net').connect(${port}, '127.0.0.1', () => s.resetAndDestroy())`
  execFileSync(process.execPath, ['-e', client], { timeout: 10_000 })
}

for (const model of DRIVER_MODELS) {
  describe(`driver '${model}': a connection reset before it was accepted`, () => {
    it('is closed unannounced (no uncaught ENOTCONN, no descriptor left), and the listener serves the next one', async () => {
      const l = own(listen({ model, host: '127.0.0.1' }))
      const seen: Connection[] = []
      l.on('connection', (c) => seen.push(own(c)))
      connectAndResetWhileBlocked(l.address().port)
      await delay(100) // the accept of the reset connection is heard
      const accepted = next<[Connection]>(l, 'connection')
      own(await connect({ model, port: l.address().port, host: '127.0.0.1' }))
      await accepted
      expect(seen).toHaveLength(1)
      expect(l.connections).toBe(1)
    })
  })
}
