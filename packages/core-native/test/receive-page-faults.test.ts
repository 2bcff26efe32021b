// Large receives land in memory the engine keeps warm, not in fresh pages: the kernel's copy into
// never-touched pages faults on each of them, and on memory left cold costs a cache miss per line.
// With epoll, a receive of more than 16 KiB went into a new 256 KiB scratch block, which glibc maps
// and unmaps per receive; with io_uring, the kernel cycles through every provided buffer in order,
// so all 16 MiB of them were touched (and left cold) by one bulk transfer. Counted in a child
// process (fixtures/receive-faults-child.mjs): minor page faults over 32 MiB received in 64 KiB
// WSARecv calls into one reused buffer.
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { describeRun, expectClean, runChild } from './helpers/child-run.js'

const CHILD = fileURLToPath(new URL('./fixtures/receive-faults-child.mjs', import.meta.url))
const PAGE = 4096

describe('receive memory', () => {
  it('32 MiB received in 64 KiB receives faults fewer than one page in four', async () => {
    const run = await runChild(CHILD, [])
    expectClean(run)
    const { faults, receives, bytes } = run.report as { faults: number; receives: number; bytes: number }
    expect(receives, describeRun(run)).toBeGreaterThan(0)
    // Fresh memory per receive faults once per page (8192 here); what remains is the JavaScript's
    // own (promises, the JIT), about one fault per two receives.
    expect(faults, `${faults} page faults over ${receives} receives`).toBeLessThan(bytes / PAGE / 4)
  })
})
