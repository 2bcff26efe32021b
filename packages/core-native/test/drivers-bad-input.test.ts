// Bad arguments and misuse of listen(), connect(), Connection and Listener: a TypeError with a code,
// or a WsmError with a POSIX code.
import { describe, expect, it } from 'vitest'
import { connect, listen, type Connection } from '../lib/index.js'
import { DRIVER_MODELS, next, own, useDriverCleanup } from './helpers/drivers.js'
import { expectRejectsType, expectTypeError, expectWsmError, rejected } from './helpers/errors.js'

useDriverCleanup()

describe('listen() and connect() options', () => {
  it('options of the wrong type: ERR_INVALID_ARG_TYPE (connect rejects)', async () => {
    for (const options of [null, 1, 'iocp', { port: '80' }, { host: 1 }, { backlog: '1' }, { reusePort: 1 }, { model: 6 }]) {
      expectTypeError(() => listen(options as never))
    }
    for (const options of [undefined, null, 1, {}, { port: '80' }, { port: 80, host: 1 }, { port: 80, timeoutMs: '1' }, { port: 80, model: 6 }]) {
      await expectRejectsType(connect(options as never))
    }
  })

  it('values out of range: ERR_INVALID_ARG_VALUE', async () => {
    for (const options of [{ port: -1 }, { port: 65536 }, { port: 1.5 }, { host: 'example.com' }, { backlog: 0 }, { model: 'IOCP' }]) {
      expectTypeError(() => listen(options as never), 'ERR_INVALID_ARG_VALUE')
    }
    for (const options of [{ port: 0 }, { port: 65536 }, { port: 80, host: '' }, { port: 80, timeoutMs: 0 }, { port: 80, model: 'epoll' }]) {
      await expectRejectsType(connect(options as never), 'ERR_INVALID_ARG_VALUE')
    }
  })

  it('a port in use: EADDRINUSE, thrown by listen()', () => {
    const a = own(listen({ host: '127.0.0.1' }))
    expectWsmError(() => listen({ host: '127.0.0.1', port: a.address().port }), 'EADDRINUSE')
  })
})

for (const model of DRIVER_MODELS) {
  describe(`driver '${model}': misuse of a Connection and a Listener`, () => {
    async function pair(): Promise<[Connection, Connection]> {
      const l = own(listen({ model, host: '127.0.0.1' }))
      const accepted = next<[Connection]>(l, 'connection')
      const c = own(await connect({ model, port: l.address().port, host: '127.0.0.1' }))
      const [s] = await accepted
      return [c, own(s)]
    }

    it('write() of something other than bytes: ERR_INVALID_ARG_TYPE, and nothing is sent', async () => {
      const [c] = await pair()
      for (const junk of [undefined, null, 'text', 1, {}, [1], [Buffer.alloc(1), 'x'], new ArrayBuffer(1)]) {
        expectTypeError(() => c.write(junk as never))
      }
      expect(c.writableLength).toBe(0)
      expect(c.bytesWritten).toBe(0)
    })

    it('write() after end() is EPIPE, after destroy() EBADF; destroy(non-error), setNoDelay(1): ERR_INVALID_ARG_TYPE', async () => {
      const [c, s] = await pair()
      expectTypeError(() => c.destroy('boom' as never))
      expectTypeError(() => c.setNoDelay(1 as never))
      expectTypeError(() => c.setKeepAlive(true, '1' as never))
      c.end()
      expectWsmError(() => c.write(Buffer.from('x')), 'EPIPE')
      s.destroy()
      expectWsmError(() => s.write(Buffer.from('x')), 'EBADF')
      // Idempotent, and harmless once destroyed.
      s.destroy()
      s.setNoDelay(true).setKeepAlive(true, 1000).ref().unref()
    })

    it('Listener: maxConnections of a bad value and close(non-function) are TypeErrors; close() twice calls both callbacks', async () => {
      const l = own(listen({ model, host: '127.0.0.1' }))
      expectTypeError(() => (l.maxConnections = '1' as never))
      expectTypeError(() => (l.maxConnections = -1), 'ERR_INVALID_ARG_VALUE')
      expectTypeError(() => (l.maxConnections = 1.5), 'ERR_INVALID_ARG_VALUE')
      expectTypeError(() => l.close('cb' as never))
      const calls: number[] = []
      await new Promise<void>((resolve) => l.close(() => calls.push(1)).close(() => (calls.push(2), resolve())))
      expect(calls).toEqual([1, 2])
      await new Promise<void>((resolve) => l.close(resolve)) // after 'close': on the next tick
    })
  })
}
