// The Socket as a Node stream, on every model: pipeline, finished, async iteration, a pipe echo
// whose content is checked, and Readable.from piped in.
import { createHash, randomBytes } from 'node:crypto'
import { Readable, Writable, finished, pipeline } from 'node:stream'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { ALL_MODELS, listening, connected, pair, readAll, shutDown, within, next } from './helpers/sockets.js'

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')

describe.each(ALL_MODELS)('Socket as a stream (%s)', (model) => {
  it('echoes 4 MiB through s.pipe(s), byte for byte', async () => {
    const { server, port } = await listening(model, (s) => s.pipe(s))
    const client = await connected(model, port)
    const data = randomBytes(4 * 1024 * 1024)
    const received = readAll(client)
    client.end(data)
    const echoed = await within(received, 'the echo')
    expect(echoed.length).toBe(data.length)
    expect(sha256(echoed)).toBe(sha256(data))
    await shutDown(server)
  })

  it('carries stream.pipeline from a Readable.from source to a Writable sink through the server', async () => {
    const chunks = Array.from({ length: 200 }, (_, i) => Buffer.from(`chunk ${i};`))
    const { server, port } = await listening(model, (s) => s.pipe(s))
    const client = await connected(model, port)
    const sink: Buffer[] = []
    const writable = new Writable({
      write(chunk: Buffer, _enc, cb) {
        sink.push(chunk)
        cb()
      },
    })
    const out = promisify(pipeline)(client, writable)
    await within(promisify(pipeline)(Readable.from(chunks), client), 'the pipeline into the socket')
    await within(out, 'the pipeline out of the socket')
    expect(Buffer.concat(sink).toString()).toBe(Buffer.concat(chunks).toString())
    await shutDown(server)
  })

  it('reads with for await until the peer ends, then finished() resolves', async () => {
    const { server, client, peer } = await pair(model)
    peer.end('one two three')
    let text = ''
    for await (const chunk of client) text += String(chunk)
    expect(text).toBe('one two three')
    client.end()
    await within(promisify(finished)(client), 'finished(client)')
    await shutDown(server)
  })

  it('Readable.from(...).pipe(s) ends the socket after the last chunk', async () => {
    const { server, client, peer } = await pair(model)
    const received = readAll(peer)
    Readable.from(['a', 'b', 'c'].map((s) => Buffer.from(s.repeat(1000)))).pipe(client)
    expect((await within(received, 'the piped bytes')).toString()).toBe('a'.repeat(1000) + 'b'.repeat(1000) + 'c'.repeat(1000))
    await shutDown(server, client)
  })

  it('reports bytesRead and bytesWritten, still after close', async () => {
    const { server, client, peer } = await pair(model)
    const received = readAll(peer)
    const closed = next(client, 'close')
    client.end(Buffer.alloc(1000))
    await within(received, 'the bytes')
    peer.end()
    client.resume()
    await closed
    expect(client.destroyed).toBe(true)
    expect(client.bytesWritten).toBe(1000)
    expect(peer.bytesRead).toBe(1000)
    await shutDown(server)
  })
})
