// A connection the peer resets before connect()'s driver has heard that it is connected (the
// server in another process accepts and resets at once, while this process is blocked): the
// peer's address can no longer be read (getpeername: ENOTCONN). connect() then rejects with the
// reset (ECONNRESET, naming the driver's connect call), or resolves a connection whose first
// receive reports it; either way nothing is left open, on every driver.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, type Connection } from '../lib/index.js'
import { DRIVER_MODELS, connectSyscall, next, own, useDriverCleanup } from './helpers/drivers.js'
import { within } from './helpers/time.js'

useDriverCleanup()

const RESETTING_SERVER = `
const server = require('node:net').createServer((c) => c.resetAndDestroy())
server.listen(0, '127.0.0.1', () => console.log(server.address().port))
`
let server: ChildProcess
let port = 0

beforeAll(async () => {
  server = spawn(process.execPath, ['-e', RESETTING_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] })
  const [line] = (await within(once(server.stdout!, 'data'), "the server's port")) as [Buffer]
  port = Number(line.toString())
})

afterAll(async () => {
  const exited = once(server, 'exit')
  server.kill()
  await exited
})

/** Blocks this thread (its event loop too) for `ms`: the connect and the reset happen meanwhile. */
function block(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

for (const model of DRIVER_MODELS) {
  describe(`driver '${model}': connect() to a peer that resets at once`, () => {
    it('rejects with ECONNRESET, or resolves a connection that reports it; no uncaught ENOTCONN, nothing left open', async () => {
      const connecting = connect({ model, port, host: '127.0.0.1' })
      block(200)
      let c: Connection
      try {
        c = own(await connecting)
      } catch (err) {
        expect(err).toMatchObject({ code: 'ECONNRESET', syscall: connectSyscall(model) })
        return
      }
      const error = next<[Error]>(c, 'error')
      const closed = next<[boolean]>(c, 'close')
      expect((await error)[0]).toMatchObject({ code: 'ECONNRESET' })
      expect(await closed).toEqual([true])
    })
  })
}
