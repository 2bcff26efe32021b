// The order and the count of a Connection's events, on every driver (DRIVER_MODELS) and, through
// WSM_BACKEND, both engines: 'data'* then 'end' (the peer's FIN), 'finish' (our FIN) once, 'error'
// at most once and only right before 'close', and 'close' exactly once, last, with hadError
// telling whether 'error' came. Also what a user may do from inside the handlers: destroy() in
// 'data', write() in 'end' (half-open), end() twice, pause() in 'data' and resume() later.
import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { connect, listen, type Connection, type Listener } from '../lib/index.js'
import { DRIVER_MODELS, next, own, receiveAll, useDriverCleanup } from './helpers/drivers.js'
import { delay, within } from './helpers/time.js'

useDriverCleanup()

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

/** Every event of `c` by name, in order ('close' with its hadError, 'error' with its code). */
function recordEvents(c: Connection): string[] {
  const seen: string[] = []
  for (const name of ['data', 'end', 'finish', 'drain'] as const) c.on(name, () => seen.push(name))
  c.on('error', (err) => seen.push(`error ${err.code}`))
  c.on('close', (hadError) => seen.push(`close ${hadError}`))
  return seen
}

/** `seen` without the events named in `leaveOut`, each run of 'data' as one entry. */
function shape(seen: readonly string[], ...leaveOut: string[]): string[] {
  return seen.filter((e) => !leaveOut.includes(e)).filter((e, i, all) => e !== 'data' || all[i - 1] !== 'data')
}

/** A listener, one connection to it, and both ends (the accepted one is `s`). */
async function connectedPair(model: (typeof DRIVER_MODELS)[number]): Promise<{ l: Listener; c: Connection; s: Connection }> {
  const l = own(listen({ model, host: '127.0.0.1' }))
  const accepted = next<[Connection]>(l, 'connection')
  const c = own(await connect({ model, port: l.address().port, host: '127.0.0.1' }))
  const [s] = await accepted
  return { l, c, s: own(s) }
}

/** Waits for `c`'s 'close' (call it before the close can come), then a while longer: nothing may follow it. */
async function closedAndQuiet(c: Connection, what: string): Promise<void> {
  await next(c, 'close', 5000).catch((err: Error) => {
    throw new Error(`${what}: ${err.message}`)
  })
  await delay(50)
}

for (const model of DRIVER_MODELS) {
  describe(`driver '${model}': events`, () => {
    it('clean exchange: data, end, close(false) on the client with one finish before close; data, end, finish, close(false) on the server', async () => {
      const { c, s } = await connectedPair(model)
      const client = recordEvents(c)
      const server = recordEvents(s)
      s.on('data', (d) => s.write(d))
      s.on('end', () => s.end())
      const closed = Promise.all([closedAndQuiet(c, 'client'), closedAndQuiet(s, 'server')])
      c.end(randomBytes(100_000))
      await closed
      // The client's 'finish' (its FIN is out) may come before, among or after the echoed chunks;
      // no 'drain' comes after end(), though its write returned false (as net.Socket).
      expect(shape(client, 'finish')).toEqual(['data', 'end', 'close false'])
      expect(client.filter((e) => e === 'finish')).toHaveLength(1)
      expect(client.indexOf('finish')).toBeLessThan(client.indexOf('end'))
      // The server wrote past the high-water mark before its end(): its 'drain's are fair.
      expect(shape(server, 'drain')).toEqual(['data', 'end', 'finish', 'close false'])
    })

    it("the peer resets: error ECONNRESET (with errno and syscall), then close(true), and nothing after", async () => {
      const { c, s } = await connectedPair(model)
      const client = recordEvents(c)
      const error = next<[Error & { code: string; errno: number; syscall: string }]>(c, 'error', 5000)
      const closed = closedAndQuiet(c, 'client')
      // The server closes with the client's bytes unread in its buffer: the kernel answers with a reset.
      s.pause()
      c.write(Buffer.alloc(1000, 1))
      await delay(50)
      s.destroy()
      const [err] = await error
      expect(err).toMatchObject({ name: 'WsmError', code: 'ECONNRESET', errno: -104, syscall: expect.stringMatching(/^(WSA)?(Recv|Send|recv|send)$/) })
      await closed
      expect(client).toEqual(['error ECONNRESET', 'close true'])
    })

    it('destroy() without an error: close(false) only; destroy(err): error then close(true); both once though called twice', async () => {
      const { c, s } = await connectedPair(model)
      const client = recordEvents(c)
      const server = recordEvents(s)
      const closed = Promise.all([closedAndQuiet(c, 'client'), closedAndQuiet(s, 'server')])
      c.destroy()
      c.destroy()
      const boom = Object.assign(new Error('boom'), { code: 'EBOOM' })
      s.destroy(boom)
      s.destroy(new Error('again'))
      await closed
      expect(client).toEqual(['close false'])
      expect(server).toEqual(['error EBOOM', 'close true'])
    })

    it("destroy() inside a 'data' handler: no 'data' after it, close(false) once, and the peer sees its connection end", async () => {
      const { c, s } = await connectedPair(model)
      const server = recordEvents(s)
      let chunks = 0
      s.on('data', () => {
        chunks++
        s.destroy()
      })
      const peerClosed = next(c, 'close', 5000)
      const closed = closedAndQuiet(s, 'server')
      c.on('error', () => {}) // a reset is a fair answer to the bytes still in flight
      // More than one receive's worth, so that there is more to deliver after the destroy.
      for (let i = 0; i < 8; i++) c.write(Buffer.alloc(64 * 1024, i))
      await closed
      await peerClosed
      expect(chunks).toBe(1)
      expect(server).toEqual(['data', 'close false'])
    })

    it("write() and end() inside an 'end' handler: the half-open side still sends, then both close(false)", async () => {
      const { c, s } = await connectedPair(model)
      const server = recordEvents(s)
      let got = ''
      s.on('data', (d) => (got += d.toString()))
      s.on('end', () => {
        expect(s.write(Buffer.from(`got ${got}`))).toBe(true)
        s.end(Buffer.from('; bye'))
      })
      const reply = receiveAll(c, 'the reply')
      const closed = Promise.all([closedAndQuiet(c, 'client'), closedAndQuiet(s, 'server')])
      c.end(Buffer.from('hello'))
      expect((await reply).toString()).toBe('got hello; bye')
      await closed
      expect(shape(server)).toEqual(['data', 'end', 'finish', 'close false'])
    })

    it("end() once the peer has gone (its FIN, then a reset for a late write): 'finish' then close(false), as net.Socket, not ENOTCONN", async () => {
      const { c, s } = await connectedPair(model)
      const client = recordEvents(c)
      const closed = closedAndQuiet(c, 'client')
      const ended = next(c, 'end')
      s.destroy() // nothing unread: a FIN
      await ended
      // Written after the peer closed: its kernel answers with a reset, so there is no connection
      // left for end()'s shutdown to shut down.
      c.write(Buffer.from('too late'))
      await delay(100)
      c.end()
      await closed
      expect(client).toEqual(['end', 'finish', 'close false'])
    })

    it("end() twice: one FIN, one 'finish', no error; write() after end() throws EPIPE", async () => {
      const { c, s } = await connectedPair(model)
      const client = recordEvents(c)
      const received = receiveAll(s, 'the server side')
      const closed = closedAndQuiet(c, 'client')
      expect(c.end(Buffer.from('once'))).toBe(c)
      expect(c.end()).toBe(c)
      expect(() => c.write(Buffer.from('more'))).toThrow(expect.objectContaining({ code: 'EPIPE', syscall: 'WSASend' }))
      expect((await received).toString()).toBe('once')
      s.end()
      await closed
      expect(client).toEqual(['finish', 'end', 'close false'])
    })

    for (const where of ["inside a 'data' handler", 'from a timer, with a receive in flight'] as const) {
      it(`pause() ${where}: no 'data' while paused, then resume() later delivers every byte (sha256)`, async () => {
        const { c, s } = await connectedPair(model)
        const payload = randomBytes(4 * 1024 * 1024)
        const chunks: Buffer[] = []
        let whilePaused = 0
        let pausedAt = -1
        const pause = () => {
          s.pause()
          pausedAt = chunks.length
        }
        s.on('data', (d) => {
          if (s.isPaused) whilePaused++
          chunks.push(d)
          if (chunks.length === 1) {
            if (where === "inside a 'data' handler") pause()
            else setTimeout(pause, 0) // after the handler, when the driver has asked for more
          }
        })
        const ended = next(s, 'end', 10_000)
        c.end(payload)
        await within((async () => { while (pausedAt < 0) await delay(2) })(), 'the pause')
        await delay(200)
        expect(chunks).toHaveLength(pausedAt)
        s.resume()
        await ended
        expect(whilePaused).toBe(0)
        expect(sha256(Buffer.concat(chunks))).toBe(sha256(payload))
        expect(s.bytesRead).toBe(payload.length)
      })
    }
  })
}

describe("a Connection's listener table", () => {
  it("eventNames() and listenerCount() see only listeners added; 'toString' and 'constructor' are no events", async () => {
    const { c } = await connectedPair('iocp')
    expect(c.eventNames()).toEqual([])
    expect(c.listenerCount('data')).toBe(0)
    for (const name of ['toString', 'constructor', 'hasOwnProperty', '__proto__']) {
      expect(c.listenerCount(name as 'data'), name).toBe(0)
      expect(c.emit(name as 'drain'), name).toBe(false)
    }
    const onData = (): void => {}
    c.on('data', onData).on('custom' as 'data', onData)
    expect(c.eventNames()).toEqual(['data', 'custom'])
    c.off('data', onData)
    expect(c.eventNames()).toEqual(['custom'])
    expect(c.emit('custom' as 'drain')).toBe(true)
  })
})
