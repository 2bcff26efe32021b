// Large receives land in memory the engine keeps warm, not in fresh pages: the kernel's copy into
// never-touched pages faults on each of them, and on memory left cold costs a cache miss per line.
// With epoll, a receive of more than 16 KiB must not go into a new 256 KiB scratch block (glibc
// maps and unmaps one that large per receive); with io_uring, where the kernel cycles through the
// provided buffers in order, a bulk transfer must not walk all 16 MiB of either buffer group (16 KiB
// receives take small buffers, larger ones 64 KiB buffers). Counted in a child process
// (fixtures/receive-faults-child.mjs): minor page faults over 32 MiB received in WSARecv calls of
// one size into one reused buffer.
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { describeRun, expectClean, runChild } from './helpers/child-run.js'

const CHILD = fileURLToPath(new URL('./fixtures/receive-faults-child.mjs', import.meta.url))
const PAGE = 4096

describe('receive memory', () => {
  it.each([16 * 1024, 64 * 1024])('32 MiB received in receives of %i bytes faults fewer than one page in four', async (size) => {
    const run = await runChild(CHILD, [String(size)])
    expectClean(run)
    const { faults, receives, bytes } = run.report as { faults: number; receives: number; bytes: number }
    expect(receives, describeRun(run)).toBeGreaterThan(0)
    // Fresh memory per receive faults once per page (8192 here); what remains is the JavaScript's
    // own (promises, the JIT), about one fault per two receives.
    expect(faults, `${faults} page faults over ${receives} receives`).toBeLessThan(bytes / PAGE / 4)
  })
})
