// select's except set for out-of-band data, the urgent byte sent by the core itself
// (send(buf, MSG_OOB)). Windows' answers in detail: test/conformance/urgent-data.test.ts.
import { describe, expect, it } from 'vitest'
import { FdSet, MSG_OOB, select } from '../lib/index.js'
import { expectNoFdLeaks } from './helpers/fds.js'
import { bytes, closeAll, pair, recvExactly, text, useSocketCleanup } from './helpers/sockets.js'
import { within } from './helpers/time.js'

expectNoFdLeaks(closeAll)
useSocketCleanup()

describe('select with out-of-band data', () => {
  it('a socket with urgent data pending is in the except set', { timeout: 2000 }, async () => {
    const { client, peer } = await pair()
    client.send(bytes('!'), MSG_OOB)
    const except = new FdSet([peer])
    expect(await within(select({ except }, 1000), 'select')).toBe(1)
    expect([...except][0]).toBe(peer)
  })

  it('in-band data before the urgent byte is received normally; the urgent byte still shows in except', { timeout: 2000 }, async () => {
    const { client, peer } = await pair()
    client.send(bytes('normal'))
    client.send(bytes('!'), MSG_OOB)
    // The in-band bytes come through recv; the urgent byte is not among them.
    expect(text(await recvExactly(peer, 6), 6)).toBe('normal')
    // The count is the total over both sets.
    const read = new FdSet([peer])
    const except = new FdSet([peer])
    const n = await within(select({ read, except }, 1000), 'select')
    expect(except.has(peer)).toBe(true)
    expect(n).toBe(except.size + read.size)
  })
})
