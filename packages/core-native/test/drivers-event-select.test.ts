// What is special about the 'event-select' driver: more sockets than one WSAWaitForMultipleEvents
// holds (64 events) are served in several waits, left behind when closed, and emptied waits dropped; FD_CLOSE after data
// the paused connection has not read yet delivers that data before 'end'; an abortive FD_CLOSE
// fails even a paused connection.
import { createHash, randomBytes } from 'node:crypto'
import net from 'node:net'
import { describe, expect, it } from 'vitest'
import { busyGroups, waitGroups } from '../lib/drivers/event-waits.js'
import { WSA_MAXIMUM_WAIT_EVENTS, connect, listen, type Connection } from '../lib/index.js'
import { next, own, receiveAll, useDriverCleanup } from './helpers/drivers.js'
import { delay, within } from './helpers/time.js'

useDriverCleanup()

const model = 'event-select'
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

/** A listener whose connections are kept in `accepted` (and closed after the test). */
function server(onConnection: (c: Connection) => void = () => {}): { port: number; accepted: Connection[] } {
  const l = own(listen({ model, host: '127.0.0.1' }))
  const accepted: Connection[] = []
  l.on('connection', (c) => {
    accepted.push(own(c))
    onConnection(c)
  })
  return { port: l.address().port, accepted }
}

async function until(done: () => boolean, what: string, ms?: number): Promise<void> {
  await within((async () => { while (!done()) await delay(2) })(), what, ms)
}

describe("driver 'event-select'", () => {
  it('200 connections, both ends here, wait in groups of 63 events and echo 64 KiB each intact; closed, they leave the groups', async () => {
    const N = 200
    const { port, accepted } = server((c) => {
      c.on('data', (d) => c.write(d))
      c.on('end', () => c.end())
    })
    const clients: Connection[] = []
    for (let i = 0; i < N; i += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, () => connect({ model, port, host: '127.0.0.1' })))
      for (const c of batch) clients.push(own(c))
    }
    await until(() => accepted.length === N, 'all accepted', 10_000)
    // One event per socket (the listener and both ends of each connection), 63 per wait.
    expect(busyGroups()).toBe(Math.ceil((2 * N + 1) / (WSA_MAXIMUM_WAIT_EVENTS - 1)))

    const payloads = clients.map(() => randomBytes(64 * 1024))
    const echoes = clients.map((c, i) => {
      const echoed = receiveAll(c, `echo ${i}`, 20_000)
      c.end(payloads[i])
      return echoed
    })
    const received = await Promise.all(echoes)
    received.forEach((r, i) => expect(sha256(r), `connection ${i}`).toBe(sha256(payloads[i]!)))

    await until(() => [...clients, ...accepted].every((c) => c.destroyed), 'every connection closed')
    expect(busyGroups()).toBe(1) // the listener's event alone
    // The emptied groups end their waits and are dropped (their wake-up events closed).
    await until(() => waitGroups() === 1, 'the empty groups dropped')
  }, 60_000)

  it('data and the FIN that arrive while the connection is paused: all of it comes on resume(), then end', async () => {
    const { port, accepted } = server((c) => c.pause())
    const client = own(await connect({ model, port, host: '127.0.0.1' }))
    await until(() => accepted.length === 1, 'accepted')
    const s = accepted[0]!
    const payload = randomBytes(200 * 1024)
    client.end(payload)
    await next(client, 'finish') // every byte and the FIN are out
    await delay(100)
    const received = receiveAll(s, 'the data and the end')
    const early = s.bytesRead
    s.resume()
    const got = await received
    expect(early).toBe(0)
    expect(got.byteLength).toBe(payload.byteLength)
    expect(sha256(got)).toBe(sha256(payload))
  })

  it("a reset while the connection is paused (FD_CLOSE with WSAECONNRESET): 'error' ECONNRESET, then close(true)", async () => {
    const { port, accepted } = server((c) => c.pause())
    const peer = net.connect(port, '127.0.0.1')
    peer.on('error', () => {})
    try {
      await until(() => accepted.length === 1, 'accepted')
      const s = accepted[0]!
      const error = next<[Error]>(s, 'error')
      const closed = next<[boolean]>(s, 'close')
      peer.write(Buffer.alloc(1000, 1), () => peer.resetAndDestroy())
      const [err] = await error
      expect(err).toMatchObject({ name: 'WsmError', code: 'ECONNRESET', errno: -104, syscall: 'recv', wsaCode: 10054 })
      expect((await closed)[0]).toBe(true)
      expect(s.bytesRead).toBe(0)
    } finally {
      peer.destroy()
    }
  })
})
