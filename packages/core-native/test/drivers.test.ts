// The drivers (listen, connect, Connection, Listener) over real loopback sockets, one suite run for
// every model in DRIVER_MODELS (test/helpers/drivers.ts) and, through WSM_BACKEND, both engines.
import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { connect, listen, type Connection } from '../lib/index.js'
import { comes, connectSyscall, DRIVER_MODELS, echoListener, next, own, receiveAll, useDriverCleanup } from './helpers/drivers.js'
import { closedPort, LOOPBACK, FAMILIES } from './helpers/sockets.js'
import { delay, within } from './helpers/time.js'

useDriverCleanup()

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

for (const model of DRIVER_MODELS) {
  describe(`driver '${model}'`, () => {
    for (const family of FAMILIES) {
      it(`IPv${family}: 100 connections echo 256 KiB of random bytes each, intact (sha256), then close cleanly`, async () => {
        const l = echoListener(model, LOOPBACK[family])
        expect(l.address()).toMatchObject({ address: LOOPBACK[family], family: `IPv${family}` })
        const results = await Promise.all(
          Array.from({ length: 100 }, async () => {
            const c = own(await connect({ model, port: l.address().port, host: LOOPBACK[family] }))
            expect(c.model).toBe(model)
            expect(c.remoteFamily).toBe(`IPv${family}`)
            const payload = randomBytes(256 * 1024)
            const received = receiveAll(c, 'the echo', 15_000)
            // Several writes of uneven sizes, some as one writev.
            let at = 0
            while (at < payload.length) {
              const n = Math.min(payload.length - at, 1 + Math.floor(Math.random() * 40_000))
              const part = payload.subarray(at, at + n)
              if (n > 2) c.write([part.subarray(0, 1), part.subarray(1)])
              else c.write(part)
              at += n
            }
            c.end()
            const closed = next<[boolean]>(c, 'close', 15_000)
            const echoed = await received
            expect(await closed).toEqual([false])
            expect(c.bytesWritten).toBe(payload.length)
            expect(c.bytesRead).toBe(payload.length)
            return sha256(echoed) === sha256(payload)
          }),
        )
        expect(results.every(Boolean)).toBe(true)
        await within(new Promise<void>((resolve) => l.close(resolve)), 'the listener closes')
      }, 30_000)
    }

    it('half-close, client first: the client ends, still receives the server\'s reply, then both close', async () => {
      const l = own(listen({ model, host: '127.0.0.1' }))
      l.on('connection', (s) => {
        const got = receiveAll(s, 'server side')
        void got.then((b) => s.end(Buffer.concat([Buffer.from('got '), b])))
      })
      const c = own(await connect({ model, port: l.address().port, host: '127.0.0.1' }))
      const reply = receiveAll(c, 'client side')
      const finished = next(c, 'finish')
      // Listened for before: 'close' may follow 'end' in the same turn of the loop (async-select's
      // messages come straight from the loop, not from a promise's continuation).
      const closed = next(c, 'close')
      c.end(Buffer.from('hello'))
      await finished
      expect((await reply).toString()).toBe('got hello')
      expect(await closed).toEqual([false])
    })

    it('half-close, server first: the server ends, the client keeps sending, the server receives all of it', async () => {
      const l = own(listen({ model, host: '127.0.0.1' }))
      const serverGot = new Promise<Buffer>((resolve) => l.on('connection', (s) => {
        s.end(Buffer.from('bye'))
        void receiveAll(s, 'server side').then(resolve)
      }))
      const c = own(await connect({ model, port: l.address().port, host: '127.0.0.1' }))
      expect((await receiveAll(c, 'client side')).toString()).toBe('bye')
      c.write(Buffer.from('still '))
      c.end(Buffer.from('talking'))
      expect((await within(serverGot, 'the server hears the rest')).toString()).toBe('still talking')
    })

    it('backpressure: a paused reader holds the writer (write false, queue bounded), drain follows resume', async () => {
      const l = own(listen({ model, host: '127.0.0.1' }))
      const server = next<[Connection]>(l, 'connection')
      const c = own(await connect({ model, port: l.address().port, host: '127.0.0.1' }))
      const [s] = await server
      own(s).pause()
      let received = 0
      s.on('data', (d) => (received += d.length))
      const chunk = Buffer.alloc(64 * 1024, 7)
      let offered = 0
      // Write as write() allows (until false, then again at 'drain') until the kernels' buffers are
      // full and no 'drain' comes: the paused reader holds the writer.
      let held = false
      for (let round = 0; round < 1000 && !held; round++) {
        while (c.write(chunk)) offered += chunk.length
        offered += chunk.length
        held = !(await comes(c, 'drain', 300))
      }
      expect(held).toBe(true)
      expect(received).toBe(0)
      // What waits in the writer's queue is bounded by the high-water mark plus the last write.
      expect(c.writableLength).toBeGreaterThanOrEqual(c.writableHighWaterMark)
      expect(c.writableLength).toBeLessThanOrEqual(c.writableHighWaterMark + chunk.length)
      const stuck = c.writableLength
      await delay(100)
      expect(c.writableLength).toBe(stuck)
      const drained = next(c, 'drain', 5000)
      s.resume()
      await drained
      expect(c.writableLength).toBe(0)
      await within((async () => { while (received < offered) await delay(5) })(), 'the reader gets every byte')
      expect(received).toBe(offered)
    })

    it('peer reset mid-write: the writer gets error ECONNRESET, then close(true)', async () => {
      const l = own(listen({ model, host: '127.0.0.1' }))
      const server = next<[Connection]>(l, 'connection')
      const c = own(await connect({ model, port: l.address().port, host: '127.0.0.1' }))
      const [s] = await server
      const error = next<[Error & { code: string; syscall: string }]>(c, 'error', 5000)
      const closed = next<[boolean]>(c, 'close', 5000)
      // The server stops reading, then closes with unread bytes in its buffer: the kernel answers with a reset.
      s.pause()
      const chunk = Buffer.alloc(64 * 1024, 1)
      const pump = setInterval(() => {
        if (!c.destroyed) c.write(chunk)
      }, 1)
      await delay(50)
      s.destroy()
      try {
        const [err] = await error
        expect(err.code).toBe('ECONNRESET')
        expect(err).toMatchObject({ syscall: expect.any(String), errno: expect.any(Number) })
        expect(await closed).toEqual([true])
      } finally {
        clearInterval(pump)
      }
    })

    it('listener close with connections open: no new connection is accepted, the open ones keep working, then close', async () => {
      const l = echoListener(model)
      const port = l.address().port
      const c = own(await connect({ model, port, host: '127.0.0.1' }))
      await within((async () => { while (l.connections === 0) await delay(2) })(), 'the server counts the connection')
      const closed = new Promise<void>((resolve) => l.close(resolve))
      expect(l.listening).toBe(false)
      const err = await connect({ model, port, host: '127.0.0.1' }).then(() => null, (e: unknown) => e)
      expect(err).toMatchObject({ code: 'ECONNREFUSED' })
      const echoed = receiveAll(c, 'echo after close')
      c.end(Buffer.from('still here'))
      expect((await echoed).toString()).toBe('still here')
      await within(closed, "the listener's close, after its last connection")
      expect(l.connections).toBe(0)
    })

    it('listener close while connects race it: every connect settles, refused or connected, and every connection then closes', async () => {
      const l = echoListener(model)
      const port = l.address().port
      // Each connection sends 'ping' and ends as soon as it is made, and tells how it ended.
      const attempts: Promise<{ ended: Promise<{ hadError: boolean; code?: string; echo: string }> } | Error>[] = []
      const attempt = () =>
        attempts.push(
          connect({ model, port, host: '127.0.0.1' }).then(
            (c) => {
              own(c)
              let code: string | undefined
              c.on('error', (err) => (code = err.code))
              let echo = ''
              c.on('data', (d) => (echo += d.toString()))
              const closed = next<[boolean]>(c, 'close', 5000)
              c.end(Buffer.from('ping'))
              return { ended: closed.then(([hadError]) => ({ hadError, code, echo })) }
            },
            (e: Error) => e,
          ),
        )
      // A burst of connects, then one per loop turn; the listener closes when the first is
      // accepted, with others on their way: accepted, in the kernel's queue, or not yet answered.
      const accepted = next(l, 'connection')
      for (let i = 0; i < 20; i++) attempt()
      const launching = (async () => {
        for (let i = 0; i < 20; i++) {
          await new Promise((r) => setImmediate(r))
          attempt()
        }
      })()
      await accepted
      const closed = new Promise<void>((resolve) => l.close(resolve))
      attempt() // surely after the close
      await launching
      const outcomes = await within(Promise.all(attempts), 'every connect settles', 5000)
      const refused = outcomes.filter((o) => o instanceof Error)
      for (const err of refused) expect(err).toMatchObject({ code: 'ECONNREFUSED' })
      expect(refused.length).toBeGreaterThan(0)
      const made = outcomes.filter((o): o is Exclude<typeof o, Error> => !(o instanceof Error))
      const ends = await within(Promise.all(made.map((o) => o.ended)), 'every connection closes', 5000)
      const fair = [
        { hadError: false, code: undefined, echo: 'ping' }, // accepted before the close: served
        { hadError: false, code: undefined, echo: '' }, // accepted by the kernel, closed with the listener (FIN)
        { hadError: true, code: 'ECONNRESET', echo: '' }, // ... reset instead
        { hadError: true, code: 'EPIPE', echo: '' }, // ... reset before the ping was sent
      ]
      for (const end of ends) expect(fair).toContainEqual(end)
      expect(ends).toContainEqual(fair[0])
      await within(closed, "the listener's close")
    })

    it('maxConnections: the connection past the limit is dropped', async () => {
      const l = echoListener(model)
      l.maxConnections = 1
      const dropped = next<[{ remotePort: number }]>(l, 'drop')
      const first = own(await connect({ model, port: l.address().port, host: '127.0.0.1' }))
      await within((async () => { while (l.connections === 0) await delay(2) })(), 'first counted')
      const second = own(await connect({ model, port: l.address().port, host: '127.0.0.1' }))
      const [info] = await dropped
      expect(info.remotePort).toBe(second.localPort)
      expect(await receiveAll(second, 'the dropped one ends')).toHaveLength(0)
      expect(l.connections).toBe(1)
      expect(first.destroyed).toBe(false)
    })

    it('connect to a port nobody listens on: ECONNREFUSED with errno and syscall', async () => {
      const err = await connect({ model, port: closedPort(4), host: '127.0.0.1' }).then(() => null, (e: unknown) => e)
      expect(err).toMatchObject({ name: 'WsmError', code: 'ECONNREFUSED', errno: -111, syscall: connectSyscall(model) })
    })

    it('connect to an address no route leads to (multicast: TCP never goes there): ENETUNREACH with errno and syscall', async () => {
      const err = await connect({ model, port: 80, host: '224.0.0.1' }).then(() => null, (e: unknown) => e)
      expect(err).toMatchObject({ name: 'WsmError', code: 'ENETUNREACH', errno: -101, syscall: connectSyscall(model) })
    })

    it('reusePort: two listeners share one port', () => {
      const a = own(listen({ model, host: '127.0.0.1', reusePort: true }))
      const b = own(listen({ model, host: '127.0.0.1', port: a.address().port, reusePort: true }))
      expect(b.address().port).toBe(a.address().port)
      expect(() => own(listen({ model, host: '127.0.0.1', port: a.address().port }))).toThrow(expect.objectContaining({ code: 'EADDRINUSE' }))
    })
  })
}
