// A finite time-out waits: select, WSAWaitForMultipleEvents, GetQueuedCompletionStatus(Ex) and
// SleepEx with 200 ms and nothing to report resolve their time-out result no earlier than 200 ms
// after the call (and not much later: no hang). The lower bound has no slack but the 1 ms of
// libuv's millisecond clock, which Node's timers run on; the upper one allows a loaded machine.
import { performance } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import { CompletionPort, FdSet, WSA_WAIT_TIMEOUT, WsaEvent, select, sleepEx, waitForMultipleEvents } from '../lib/index.js'
import { expectNoFdLeaks } from './helpers/fds.js'
import { closeAll, pair, useSocketCleanup } from './helpers/sockets.js'

expectNoFdLeaks(closeAll)
useSocketCleanup()

const TIMEOUT_MS = 200
const CLOCK_GRANULARITY_MS = 1
const LOADED_MACHINE_SLACK_MS = 1500

/** Runs `wait`, asserts what it resolved and that it took TIMEOUT_MS (and not much more). */
async function expectTimedOut<T>(wait: () => Promise<T>, expected: T): Promise<void> {
  const started = performance.now()
  const result = await wait()
  const elapsed = performance.now() - started
  expect(result).toEqual(expected)
  expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - CLOCK_GRANULARITY_MS)
  expect(elapsed).toBeLessThan(TIMEOUT_MS + LOADED_MACHINE_SLACK_MS)
}

describe(`a ${TIMEOUT_MS} ms time-out with nothing to report waits ${TIMEOUT_MS} ms`, () => {
  it('select: resolves 0 and empties the sets', async () => {
    const { client } = await pair(4)
    const read = new FdSet([client]) // connected, nothing sent: not readable
    await expectTimedOut(() => select({ read }, TIMEOUT_MS), 0)
    expect(read.size).toBe(0)
  })

  it.each([false, true])('waitForMultipleEvents (alertable: %s): resolves WSA_WAIT_TIMEOUT', async (alertable) => {
    const events = [new WsaEvent(), new WsaEvent()]
    await expectTimedOut(() => waitForMultipleEvents(events, { timeoutMs: TIMEOUT_MS, alertable }), WSA_WAIT_TIMEOUT)
    await expectTimedOut(() => waitForMultipleEvents(events, { timeoutMs: TIMEOUT_MS, waitAll: true, alertable }), WSA_WAIT_TIMEOUT)
  })

  it('getQueuedCompletionStatus: resolves null; getQueuedCompletionStatusEx: []', async () => {
    const port = new CompletionPort()
    try {
      await expectTimedOut(() => port.getQueuedCompletionStatus(TIMEOUT_MS), null)
      await expectTimedOut(() => port.getQueuedCompletionStatusEx(8, TIMEOUT_MS), [])
    } finally {
      port.close()
    }
  })

  it.each([false, true])('sleepEx (alertable: %s): resolves 0', async (alertable) => {
    await expectTimedOut(() => sleepEx(TIMEOUT_MS, alertable), 0)
  })
})
