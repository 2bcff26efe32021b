// The completion-based drivers' two receive gears (lib/drivers/overlapped-connection.ts): a
// connection that has just received posts its next WSARecv with a buffer (no recv() per message),
// and gives the buffer up once idle for a sweep interval (hot-receives.ts), back to the zero-byte
// wait. These tests pin both halves: the buffers exist while busy and are gone when idle, and
// nothing is lost or reordered across the gear changes, paused or not.
import { describe, expect, it } from 'vitest'
import { connect, listen, type Connection } from '../lib/index.js'
import { next, own, receiveAll, useDriverCleanup } from './helpers/drivers.js'
import { fullGc } from './helpers/overlapped.js'
import { delay, within } from './helpers/time.js'

useDriverCleanup()

const COMPLETION_MODELS = ['iocp', 'overlapped-event', 'completion-routine'] as const
const CONNECTIONS = 100
type CompletionModel = (typeof COMPLETION_MODELS)[number]

async function pairs(model: CompletionModel, n: number): Promise<Array<[Connection, Connection]>> {
  const l = own(listen({ model, host: '127.0.0.1' }))
  const accepted: Connection[] = []
  l.on('connection', (s) => accepted.push(own(s)))
  const clients: Connection[] = []
  for (let i = 0; i < n; i++) clients.push(own(await connect({ model, port: l.address().port, host: '127.0.0.1' })))
  await within((async () => { while (accepted.length < n) await delay(5) })(), 'all accepted')
  return clients.map((c) => [c, accepted.find((s) => s.remotePort === c.localPort)!])
}

async function arrayBuffers(): Promise<number> {
  await fullGc()
  return process.memoryUsage().arrayBuffers
}

// Memory is counted per process, so the three models are counted together (a sweep that fails
// in one of them leaves 100 buffers, 1.6 MiB, over the bound).
async function busyThenIdle(): Promise<void> {
  const ps = (await Promise.all(COMPLETION_MODELS.map((m) => pairs(m, CONNECTIONS)))).flat()
  const before = await arrayBuffers()
  // Every accepted end receives once: its next WSARecv is posted with a buffer.
  await Promise.all(
    ps.map(([c, s]) => {
      const got = next(s, 'data')
      c.write(Buffer.from('hello'))
      return got
    }),
  )
  const busy = (await arrayBuffers()) - before
  expect(busy / ps.length, 'bytes per busy connection').toBeGreaterThanOrEqual(8 * 1024)
  // Two sweep intervals without traffic: each buffered receive is cancelled, its buffer dropped.
  await delay(2500)
  const idle = (await arrayBuffers()) - before
  expect(idle / ps.length, 'bytes per idle connection').toBeLessThan(1024)
  // Back in the zero-byte gear, not deaf: every one still gets what its peer sends.
  const echoes = ps.map(([c, s]) => {
    const got = next<[Buffer]>(s, 'data')
    c.write(Buffer.from(`again ${c.localPort}`))
    return got.then(([d]) => d.toString() === `again ${c.localPort}`)
  })
  expect((await Promise.all(echoes)).every(Boolean), 'every idle connection still receives').toBe(true)
}

async function pauseAcrossGears(model: CompletionModel): Promise<void> {
  const [c, s] = (await pairs(model, 1))[0]!
  const sent: Buffer[] = []
  const send = (text: string): void => {
    const b = Buffer.from(text)
    sent.push(b)
    c.write(b)
  }
  const received = receiveAll(s, `${model}: every byte`, 10_000)
  let whilePaused = 0
  s.on('data', () => void (s.isPaused && whilePaused++))
  send('first ')
  await next(s, 'data') // now in the buffered gear
  s.pause()
  for (let i = 0; i < 50; i++) send(`paused-${i} `)
  await delay(100) // the posted buffered receive completes while paused: held
  s.resume()
  await delay(2500) // idle: the buffered receive is cancelled
  for (let i = 0; i < 50; i++) send(`after-${i} `)
  s.pause()
  await delay(2500) // paused and idle: the held buffer is given up
  s.resume()
  send('last')
  c.end()
  expect((await received).toString(), `${model}: the bytes, in order`).toBe(Buffer.concat(sent).toString())
  expect(whilePaused, `${model}: 'data' while paused`).toBe(0)
}

// A connection paused in its 'data' handler has its next buffered receive posted all the same:
// the bytes that arrive while it is paused are taken (held, not given), and resume() gives them in
// the tick it schedules, before one scheduled right after it; without the read-ahead, that tick
// only posts the receive, and they come with its completion, later.
async function readAheadWhilePaused(model: CompletionModel): Promise<void> {
  const [c, s] = (await pairs(model, 1))[0]!
  const order: string[] = []
  s.on('data', (d: Buffer) => {
    order.push(d.toString())
    if (d.toString() === 'first') s.pause()
  })
  c.write(Buffer.from('first'))
  await within((async () => { while (!s.isPaused) await delay(2) })(), `${model}: the pause`)
  c.write(Buffer.from('second'))
  await delay(100) // 'second' is in: the receive posted while paused has completed
  expect(order, `${model}: nothing given while paused`).toEqual(['first'])
  s.resume()
  await new Promise<void>((resolve) => process.nextTick(() => (order.push('next tick'), resolve())))
  expect(order, `${model}: what came while paused is given in resume()'s tick`).toEqual(['first', 'second', 'next tick'])
}

// The sweeps take seconds: the three models run side by side, each case naming its model.
describe('the buffered receive gear of the completion-based drivers', () => {
  it(`${CONNECTIONS} connections of each model that just received hold a receive buffer each; idle for ~2 s, they give it up and still receive`, async () => {
    await busyThenIdle()
  }, 20_000)

  it('pause and resume in the buffered gear, and across its cancellation: every byte arrives, in order', async () => {
    await Promise.all(COMPLETION_MODELS.map(pauseAcrossGears))
  }, 20_000)

  it("paused in a 'data' handler, the next receive is taken ahead and given in resume()'s tick", async () => {
    await Promise.all(COMPLETION_MODELS.map(readAheadWhilePaused))
  })

  for (const model of COMPLETION_MODELS) {
    it(`'${model}', bulk: 32 MiB through one connection in the buffered gear arrives intact`, async () => {
      const [c, s] = (await pairs(model, 1))[0]!
      const payload = Buffer.alloc(32 * 1024 * 1024)
      for (let i = 0; i < payload.length; i += 4) payload.writeUInt32LE(i, i)
      const received = receiveAll(s, 'the bulk', 15_000)
      for (let at = 0; at < payload.length; at += 1 << 20) c.write(payload.subarray(at, at + (1 << 20)))
      c.end()
      const got = await received
      expect(got.length).toBe(payload.length)
      expect(got.equals(payload)).toBe(true)
    }, 20_000)
  }
})
