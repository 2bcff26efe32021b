// Environments torn down while the core is busy in them, in the manner of classic-level's
// env-cleanup-hook test: each scenario runs in a child process (test/fixtures/teardown-child.mjs),
// in a Worker first (the environment's cleanup hooks run: the child checks that the Worker left no
// descriptor open) and then, for the first two, on the child's main thread, which exits with the
// work still pending. The child must exit 0 with nothing on stderr (under scripts/asan-test.sh it
// inherits the sanitizer, which reports there). It loads the built package (dist/, pnpm build).
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { CHILD_MS, describeRun, expectClean, runChild as run } from './helpers/child-run.js'
import { DRIVER_MODELS } from './helpers/drivers.js'

const CHILD = fileURLToPath(new URL('./fixtures/teardown-child.mjs', import.meta.url))
const runChild = (...args: string[]) => run(CHILD, args)

describe('environments that end with work in flight', () => {
  it('10,000 receives pending: a Worker exits and leaves no descriptor; the process exits 0', async () => {
    const run = await runChild('receives')
    expect(run.report, describeRun(run)).toEqual({ scenario: 'receives', worker: { workerExit: 0, leaked: [], gone: [] } })
    expectClean(run)
  }, CHILD_MS + 5000)

  it('a select pending: a Worker exits and leaves no descriptor (nor a poll handle on its loop); the process exits 0', async () => {
    const run = await runChild('select')
    expect(run.report, describeRun(run)).toEqual({ scenario: 'select', worker: { workerExit: 0, leaked: [], gone: [] } })
    expectClean(run)
  }, CHILD_MS + 5000)

  it('a Worker running a completion-port echo server, terminated mid-traffic: its peers see their connections closed, no descriptor is left', async () => {
    const run = await runChild('echo')
    // A terminated Worker exits with 1.
    expect(run.report, describeRun(run)).toEqual({ scenario: 'echo', worker: { workerExit: 1, leaked: [], gone: [] }, peersSawClose: true })
    expectClean(run)
  }, CHILD_MS + 5000)

  for (const model of DRIVER_MODELS) {
    it(`a Worker serving connections with the '${model}' driver, terminated mid-traffic: its peers see their connections closed, no descriptor is left`, async () => {
      const run = await runChild('driver-echo', model)
      expect(run.report, describeRun(run)).toEqual({ scenario: 'driver-echo', worker: { workerExit: 1, leaked: [], gone: [] }, peersSawClose: true })
      expectClean(run)
    }, CHILD_MS + 5000)
  }
})
