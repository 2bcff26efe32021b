// Backpressure on every model: a slow reader holds the writer back with memory bounded (push()
// false pauses the connection, so TCP's window closes), a corked batch is one write, and 10,000
// writes leave no listeners behind.
import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ALL_MODELS, next, pair, readAll, shutDown, within } from './helpers/sockets.js'

const MiB = 1024 * 1024

describe.each(ALL_MODELS)('Socket backpressure (%s)', (model) => {
  it('a reader that stops holds the writer back: what is produced stays bounded', async () => {
    const { server, client, peer } = await pair(model)
    const total = 64 * MiB
    let produced = 0
    const chunk = Buffer.alloc(64 * 1024, 7)
    const source = new Readable({
      read() {
        if (produced >= total) return void this.push(null)
        produced += chunk.length
        this.push(chunk)
      },
    })
    source.pipe(client)
    // The server's socket is not read: only the kernel's buffers and the two high-water marks fill.
    peer.pause()
    // Wait until the writer stops producing (the buffers are full), however loaded the machine.
    let last = -1
    for (let i = 0; i < 50 && produced !== last; i++) {
      last = produced
      await new Promise((r) => setTimeout(r, 100))
    }
    const producedWhileStopped = produced
    expect(producedWhileStopped).toBeLessThan(24 * MiB)
    expect(peer.readableLength).toBeLessThanOrEqual(peer.readableHighWaterMark + 256 * 1024)
    expect(client.writableLength).toBeLessThanOrEqual(client.writableHighWaterMark + chunk.length)
    // Still held back a while later: nothing moves while the reader is stopped.
    await new Promise((r) => setTimeout(r, 200))
    expect(produced).toBe(producedWhileStopped)
    const received = await within(readAll(peer), 'the rest of the bytes', 20_000)
    expect(received.length).toBe(total)
    await shutDown(server, client)
  }, 30_000)

  it('a corked batch goes to the connection as one write, and every callback runs', async () => {
    const { server, client, peer } = await pair(model)
    const received = readAll(peer)
    const done: number[] = []
    const batches: number[] = []
    const writev = client._writev!.bind(client)
    client._writev = (chunks, cb) => (batches.push(chunks.length), writev(chunks, cb))
    client.cork()
    for (let i = 0; i < 50; i++) client.write(`line ${i}\n`, () => done.push(i))
    process.nextTick(() => client.uncork())
    await within(new Promise((r) => client.end(r)), 'the end')
    expect(done).toEqual(Array.from({ length: 50 }, (_, i) => i))
    expect(batches).toEqual([50]) // one _writev, so one Connection#write: one gathered send
    const text = (await within(received, 'the lines')).toString()
    expect(text).toBe(Array.from({ length: 50 }, (_, i) => `line ${i}\n`).join(''))
    await shutDown(server, client)
  })

  describe('10,000 writes', () => {
    const warnings: Error[] = []
    const onWarning = (w: Error) => warnings.push(w)
    beforeEach(() => void process.on('warning', onWarning))
    afterEach(() => void process.off('warning', onWarning))

    it('leave no listener behind and raise no MaxListenersExceededWarning', async () => {
      const { server, client, peer } = await pair(model)
      const received = readAll(peer)
      const before = client.eventNames().map((e) => `${String(e)}:${client.listenerCount(e)}`)
      for (let i = 0; i < 10_000; i++) {
        if (!client.write(Buffer.from('0123456789'))) await next(client, 'drain')
      }
      client.end()
      expect((await within(received, 'the bytes')).length).toBe(100_000)
      const after = client.eventNames().map((e) => `${String(e)}:${client.listenerCount(e)}`)
      expect(after.filter((e) => !before.includes(e) && !e.startsWith('close') && !e.startsWith('error'))).toEqual([])
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([])
      await shutDown(server, client)
    })
  })
})
