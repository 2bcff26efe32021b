// select's except set for out-of-band data. The core cannot send urgent data (no MSG_OOB), so the
// sender is a real external peer (helpers/oob-peer.ts); skipped where Perl is missing.
import { afterEach, describe, expect, it } from 'vitest'
import { FdSet, select } from '../lib/index.js'
import { expectNoFdLeaks } from './helpers/fds.js'
import { startOobPeer, perlAvailable, type OobPeer } from './helpers/oob-peer.js'
import { closeAll, listener, recvExactly, track, text, useSocketCleanup } from './helpers/sockets.js'
import { within } from './helpers/time.js'

let peers: OobPeer[] = []
async function stopPeers(): Promise<void> {
  await Promise.all(peers.map((p) => p.stop()))
  peers = []
}

expectNoFdLeaks(async () => {
  closeAll()
  await stopPeers()
})
useSocketCleanup()
afterEach(stopPeers)

describe.skipIf(!perlAvailable)('select with out-of-band data', () => {
  it('a socket with urgent data pending is in the except set', { timeout: 2000 }, async () => {
    const server = listener(4)
    const peer = await within(startOobPeer(server.localPort), 'the OOB peer')
    peers.push(peer)
    expect(await within(select({ read: new FdSet([server]) }), 'select')).toBe(1)
    const s = track(server.accept())!
    expect(s).not.toBeNull()
    const except = new FdSet([s])
    expect(await within(select({ except }, 1000), 'select')).toBe(1)
    expect([...except][0]).toBe(s)
  })

  it('in-band data before the urgent byte is received normally; the urgent byte still shows in except', { timeout: 2000 }, async () => {
    const server = listener(4)
    peers.push(await within(startOobPeer(server.localPort, 'normal'), 'the OOB peer'))
    expect(await within(select({ read: new FdSet([server]) }), 'select')).toBe(1)
    const s = track(server.accept())!
    // The in-band bytes come through recv; the urgent byte is not among them.
    expect(text(await recvExactly(s, 6), 6)).toBe('normal')
    // The count is the total over both sets.
    const read = new FdSet([s])
    const except = new FdSet([s])
    const n = await within(select({ read, except }, 0), 'select')
    expect(except.has(s)).toBe(true)
    expect(n).toBe(except.size + read.size)
  })
})
