// What is special to the 'async-select' driver (the shared suites in drivers*.test.ts run over it
// too): one window serves every socket of the thread, FD_CLOSE is a read notice (the data before
// it, then the end), and an FD_CLOSE carrying an error fails the connection at once, paused or not.
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { connect, listen, type Connection } from '../lib/index.js'
import { next, own, receiveAll, useDriverCleanup } from './helpers/drivers.js'
import { delay, within } from './helpers/time.js'

const model = 'async-select'

useDriverCleanup()
const clients = new Set<net.Socket>()
afterEach(() => {
  for (const c of clients) c.destroy()
  clients.clear()
})

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex')
}

/** A Node `net` client of `port` (its far end: a driver's connection), connected. */
async function netClient(port: number): Promise<net.Socket> {
  const client = net.connect(port, '127.0.0.1')
  clients.add(client)
  client.on('error', () => {}) // the tests look at the driver's side
  await once(client, 'connect')
  return client
}

describe("driver 'async-select'", () => {
  // Both ends here: 400 sockets, more than a select set or an event wait holds, all on one window.
  it('200 connections at once each echo 64 KiB of random bytes intact', async () => {
    const l = own(listen({ model, host: '127.0.0.1' }))
    l.on('connection', (s) => {
      s.on('data', (d) => {
        if (!s.write(d)) s.pause().once('drain', () => s.resume())
      })
      s.on('end', () => s.end())
    })
    const port = l.address().port
    const clients = await Promise.all(Array.from({ length: 200 }, () => connect({ model, port, host: '127.0.0.1' }).then(own)))
    const results = await within(
      Promise.all(
        clients.map(async (c) => {
          const sent = randomBytes(64 * 1024)
          const echoed = receiveAll(c, 'echo', 10_000)
          c.end(sent)
          return sha256(await echoed) === sha256(sent)
        }),
      ),
      'every echo',
      10_000,
    )
    expect(results.filter((ok) => !ok)).toEqual([])
  })

  it('FD_CLOSE with data unread: a peer sends 1 MiB and its FIN while the connection is paused; after resume() every byte comes, then end', async () => {
    const l = own(listen({ model, host: '127.0.0.1' }))
    const accepted = next<[Connection]>(l, 'connection')
    const client = await netClient(l.address().port)
    const s = own((await accepted)[0]) // half-open after 'end': closed after the test
    s.pause()
    const sent = randomBytes(1024 * 1024)
    client.end(sent)
    await within(once(client, 'finish'), "the peer's FIN is sent") // every byte is in the kernel's buffers
    await delay(50) // and the FIN has arrived: FD_CLOSE is due once the data is read
    const chunks: Buffer[] = []
    let atEnd = -1
    s.on('data', (d) => chunks.push(d))
    const ended = new Promise<void>((resolve) =>
      s.once('end', () => {
        atEnd = Buffer.concat(chunks).length
        resolve()
      }),
    )
    s.resume()
    await within(ended, "'end'")
    expect(atEnd).toBe(sent.length)
    expect(sha256(Buffer.concat(chunks))).toBe(sha256(sent))
  })

  it("a reset while paused (FD_CLOSE with WSAECONNRESET): 'error' ECONNRESET at once, without resume(), then close(true)", async () => {
    const l = own(listen({ model, host: '127.0.0.1' }))
    const accepted = next<[Connection]>(l, 'connection')
    const client = await netClient(l.address().port)
    const [s] = await accepted
    s.pause()
    client.write(Buffer.alloc(1000, 1)) // unread by the paused connection
    await delay(20)
    const error = next<[Error]>(s, 'error')
    const closed = next<[boolean]>(s, 'close')
    client.resetAndDestroy()
    const [err] = await error
    expect(err).toMatchObject({ name: 'WsmError', code: 'ECONNRESET', errno: -104, syscall: 'recv', wsaCode: 10054 })
    expect(await closed).toEqual([true])
    expect(s.isPaused).toBe(true)
  })
})
