// The completion drivers' posted AcceptEx calls when the process has no descriptor left (EMFILE):
// neither a failed accept (syscall AcceptEx) nor a socket for the next AcceptEx that cannot be made
// (syscall socket; it was thrown from the retry's timer, uncaught) is fatal. The listener reports
// 'error', retries, and accepts the waiting connection once descriptors are free again. In a child
// under ulimit -n (test/fixtures/posted-accepts-emfile-child.mjs).
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { CHILD_MS, describeRun, expectClean, runChild } from './helpers/child-run.js'

const CHILD = fileURLToPath(new URL('./fixtures/posted-accepts-emfile-child.mjs', import.meta.url))
const POSTED_ACCEPT_MODELS = ['overlapped-event', 'completion-routine', 'iocp']

describe('posted accepts out of descriptors', () => {
  it.each(POSTED_ACCEPT_MODELS)(
    "driver '%s': 'error' EMFILE while starved, never an uncaught one; the waiting connection is served once descriptors are free",
    async (model) => {
      const run = await runChild(CHILD, [model], { fdLimit: 128 })
      expect(run.report, describeRun(run)).toEqual({ errors: ['EMFILE AcceptEx', 'EMFILE socket'], starved: true, echoed: 'hello', exitedByItself: true })
      expectClean(run)
    },
    CHILD_MS + 5000,
  )
})
