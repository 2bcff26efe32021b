// What keeps a process alive, and connect()'s time-out: unref() lets a process with an idle
// listener and connections exit, of the listener alone or of the connections alone, and ref()
// undoes it (child processes, loading the built package); a connect that no listener answers
// (its accept queue full) rejects with ETIMEDOUT after timeoutMs.
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { Socket, connect } from '../lib/index.js'
import { CHILD_MS, describeRun, expectClean, runChild } from './helpers/child-run.js'
import { connectSyscall, DRIVER_MODELS, own, useDriverCleanup } from './helpers/drivers.js'
import { track, useSocketCleanup } from './helpers/sockets.js'

const CHILD = fileURLToPath(new URL('./fixtures/drivers-unref-child.mjs', import.meta.url))

useSocketCleanup()
useDriverCleanup()

for (const model of DRIVER_MODELS) {
  describe(`driver '${model}': lifetime`, () => {
    it('unref() on the listener and both ends of an idle connection lets the process exit by itself', async () => {
      const run = await runChild(CHILD, [model, 'unref'])
      expect(run.report).toEqual({ model, mode: 'unref', exitedByItself: true })
      expectClean(run)
    }, CHILD_MS + 5000)

    it('without unref() the same process stays alive (the control: an unref\'d timer has to end it)', async () => {
      const run = await runChild(CHILD, [model, 'ref'])
      expect(run.report).toEqual({ model, mode: 'ref', exitedByItself: false })
      expectClean(run)
    }, CHILD_MS + 5000)

    it("ref()/unref() of each alone: a listener alone unref()'d exits, unref()'d then ref()'d stays; so do both ends of a connection after the listener closed", async () => {
      const expected = { 'listener-unref': true, 'listener-reref': false, 'connections-unref': true, 'connections-reref': false }
      // The four children run at once: two of them wait out the timer that ends a process that stays up.
      const runs = await Promise.all(Object.keys(expected).map((mode) => runChild(CHILD, [model, mode])))
      expect(runs.map((r) => r.report), runs.map(describeRun).join('\n')).toEqual(Object.entries(expected).map(([mode, exitedByItself]) => ({ model, mode, exitedByItself })))
      for (const run of runs) expectClean(run)
    }, CHILD_MS + 5000)

    it('connect() to a listener whose accept queue is full: ETIMEDOUT after timeoutMs, and the socket is closed', async () => {
      // A listener that never accepts, with the shortest queue: once it holds what the kernel
      // allows, further SYNs are dropped and a connect waits for ever (Linux, tcp_abort_on_overflow 0).
      const raw = track(Socket.tcp())
      raw.bind(0, '127.0.0.1')
      raw.listen(1)
      let failure: unknown
      let connected = 0
      let lastStart = Date.now()
      for (let i = 0; i < 16 && failure === undefined; i++) {
        lastStart = Date.now()
        try {
          own(await connect({ model, port: raw.localPort, host: '127.0.0.1', timeoutMs: 300 }))
          connected++
        } catch (err) {
          failure = err
        }
      }
      expect(connected).toBeGreaterThan(0)
      expect(failure).toMatchObject({ name: 'WsmError', code: 'ETIMEDOUT', errno: -110, syscall: connectSyscall(model) })
      expect(Date.now() - lastStart).toBeGreaterThanOrEqual(290)
    })
  })
}
