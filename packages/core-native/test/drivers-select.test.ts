// The 'select' driver's groups (lib/drivers/select-groups.ts): more sockets than one fd_set holds
// are served by several select loops at once, and a loop waiting in select() restarts on new sets
// when a member's wishes change (a send stalls) or a member closes under it. The other drivers
// suites run over 'select' too (DRIVER_MODELS); this file is what only the select driver has.
import { createHash, randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { FD_SETSIZE, FdSet, Socket, connect, listen, select, type Connection } from '../lib/index.js'
import { selectGroupCount } from '../lib/drivers/select-groups.js'
import { CHILD_MS, expectClean, runChild } from './helpers/child-run.js'
import { echoListener, next, own, receiveAll, useDriverCleanup } from './helpers/drivers.js'
import { track, useSocketCleanup } from './helpers/sockets.js'
import { delay, within } from './helpers/time.js'

useDriverCleanup()
useSocketCleanup()

const EMFILE_CHILD = fileURLToPath(new URL('./fixtures/select-driver-emfile-child.mjs', import.meta.url))
const model = 'select'
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

/** Until the driver's select loops have all stopped (a group stops once its last member has left). */
function noGroupsLeft(): Promise<void> {
  return within((async () => { while (selectGroupCount() > 0) await delay(5) })(), 'every select loop stops')
}

describe("driver 'select': more sockets than FD_SETSIZE", () => {
  it('200 connections (401 sockets here) echo 64 KiB each intact, in several select loops at once, which stop when all close', async () => {
    const CONNECTIONS = 200
    const l = echoListener(model)
    const clients: Connection[] = []
    for (let i = 0; i < CONNECTIONS; i += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, () => connect({ model, port: l.address().port, host: '127.0.0.1' })))
      for (const c of batch) clients.push(own(c))
    }
    await within((async () => { while (l.connections < CONNECTIONS) await delay(2) })(), 'all accepted')
    // The listener and both ends of every connection, at most FD_SETSIZE - 1 per loop (the wake-up
    // socket takes one place of each read set).
    expect(selectGroupCount()).toBe(Math.ceil((2 * CONNECTIONS + 1) / (FD_SETSIZE - 1)))

    const results = await Promise.all(
      clients.map(async (c) => {
        const payload = randomBytes(64 * 1024)
        const echoed = receiveAll(c, 'the echo', 20_000)
        c.end(payload)
        return sha256(await echoed) === sha256(payload)
      }),
    )
    expect(results.filter(Boolean)).toHaveLength(CONNECTIONS)
    await within(new Promise<void>((resolve) => l.close(resolve)), 'the listener closes', 10_000)
    await noGroupsLeft()
  }, 60_000)
})

describe("driver 'select': a waiting select restarts on new sets", () => {
  it('a send that stalls while its loop waits is finished once the peer reads (the wake-up puts it in the write set)', async () => {
    const l = own(listen({ model, host: '127.0.0.1' }))
    const accepted = next<[Connection]>(l, 'connection')
    // The peer is a plain socket, outside the driver: its reads wake no select loop of the driver.
    const peer = track(Socket.tcp())
    peer.connect(l.address().port, '127.0.0.1')
    const [s] = await accepted
    own(s)
    await delay(20) // the loop of `s` now waits in select(), `s` in its read set only

    const payload = randomBytes(16 * 1024 * 1024)
    expect(s.write(payload)).toBe(false) // more than the kernel's buffers take: the rest waits for room
    // 'finish', not 'drain': after end() no 'drain' comes; 'finish' says every queued byte went out.
    const drained = next(s, 'finish', 10_000)
    s.end()

    const chunks: Buffer[] = []
    const buf = Buffer.alloc(256 * 1024)
    for (;;) {
      await within(select({ read: new FdSet([peer]) }), 'the peer readable', 5000)
      const n = peer.recv(buf)
      if (n === 0) break
      chunks.push(Buffer.from(buf.subarray(0, n)))
    }
    await drained
    expect(sha256(Buffer.concat(chunks))).toBe(sha256(payload))
    expect(s.bytesWritten).toBe(payload.length)
  }, 30_000)

  it('a connection closed while its loop waits: the other members of the loop go on', async () => {
    const l = echoListener(model)
    const a = own(await connect({ model, port: l.address().port, host: '127.0.0.1' }))
    const b = own(await connect({ model, port: l.address().port, host: '127.0.0.1' }))
    await within((async () => { while (l.connections < 2) await delay(2) })(), 'both accepted')
    await delay(20) // the loop waits in select() with every socket of the test in its read set
    expect(selectGroupCount()).toBe(1)
    a.destroy()
    const echoed = next<[Buffer]>(b, 'data')
    b.write(Buffer.from('still here'))
    expect((await echoed)[0].toString()).toBe('still here')
  })
})

describe("driver 'select': a loop without its wake-up pair", () => {
  it('no descriptor left for the pair (EMFILE): the loop still serves its members, seeing new ones within its bounded turns, and stops when they leave', async () => {
    const run = await runChild(EMFILE_CHILD, [], { fdLimit: 256 })
    expect(run.report).toEqual({ socketsBeyondFillers: 3, echoed: 'hello', exitedByItself: true })
    expectClean(run)
  }, CHILD_MS + 5000)
})
