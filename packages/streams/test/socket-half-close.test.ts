// Half-close on every model: allowHalfOpen false (the default) ends our side when the peer ends,
// and a write after that fails with EPIPE; allowHalfOpen true keeps our side open to write;
// destroySoon() ends after the queued writes, then destroys.
import { describe, expect, it } from 'vitest'
import { ALL_MODELS, next, pair, readAll, shutDown, within } from './helpers/sockets.js'

describe.each(ALL_MODELS)('Socket half-close (%s)', (model) => {
  it('allowHalfOpen false: the client ends, the server side ends too and both close', async () => {
    const { server, client, peer } = await pair(model)
    const peerClosed = next<[boolean]>(peer, 'close')
    const clientClosed = next<[boolean]>(client, 'close')
    const peerFinished = next(peer, 'finish')
    client.end('bye')
    expect((await within(readAll(peer), 'the client bytes')).toString()).toBe('bye')
    await peerFinished // our end() followed the peer's, without a call
    client.resume()
    expect(await peerClosed).toEqual([false])
    expect(await clientClosed).toEqual([false])
    await shutDown(server)
  })

  it('allowHalfOpen false: a write after the peer ended fails with EPIPE', async () => {
    const { server, client, peer } = await pair(model)
    peer.resume()
    const closed = next<[boolean]>(peer, 'close')
    const ended = next(peer, 'end')
    client.end()
    await ended
    await new Promise((r) => setImmediate(r))
    expect(peer.writableEnded).toBe(true) // ended by the peer's FIN, not by us
    const written = new Promise<Error | null | undefined>((resolve) => peer.write('too late', resolve))
    expect(((await within(written, 'the write callback')) as NodeJS.ErrnoException).code).toBe('EPIPE')
    await closed
    expect(peer.destroyed).toBe(true)
    await shutDown(server, client)
  })

  it('allowHalfOpen true on the server: it still writes after the client ended, and the client reads it', async () => {
    const { server, client, peer } = await pair(model, { allowHalfOpen: true }, { allowHalfOpen: true })
    peer.resume()
    const ended = next(peer, 'end')
    client.end('request')
    await ended
    expect(peer.writable).toBe(true)
    const reply = readAll(client)
    await new Promise((r) => setTimeout(r, 20))
    peer.end('reply after the request ended')
    expect((await within(reply, 'the reply')).toString()).toBe('reply after the request ended')
    await shutDown(server)
  })

  it('allowHalfOpen true on the client: the server ends first, the client answers and then ends', async () => {
    const { server, client, peer } = await pair(model, {}, { allowHalfOpen: true })
    const fromClient = readAll(peer)
    const clientEnded = next(client, 'end')
    client.resume()
    peer.write('question?')
    peer.end()
    await clientEnded
    expect(client.readyState).toBe('writeOnly')
    client.end('answer')
    // The server's side is not half-open: it ended first and still reads what comes back.
    expect((await within(fromClient, 'the answer')).toString()).toBe('answer')
    await shutDown(server, client)
  })

  it('destroySoon() sends what is queued, ends, then destroys', async () => {
    // Both sides half-open: nothing but destroySoon() closes the client.
    const { server, client, peer } = await pair(model, { allowHalfOpen: true }, { allowHalfOpen: true })
    // Read with 'data', not readAll: a for await loop would destroy the peer at the end, and the
    // client would close on that.
    const chunks: Buffer[] = []
    peer.on('data', (chunk: Buffer) => chunks.push(chunk))
    const peerEnded = next(peer, 'end')
    const data = Buffer.alloc(1024 * 1024, 'w')
    client.write(data)
    const closed = next<[boolean]>(client, 'close')
    client.destroySoon()
    expect(client.destroyed).toBe(false) // still sending
    await peerEnded
    expect(Buffer.concat(chunks).equals(data)).toBe(true)
    expect(await closed).toEqual([false])
    expect(peer.destroyed).toBe(false)
    await shutDown(server, peer)
  })

  it('destroySoon() after the end is sent destroys at once', async () => {
    const { server, client, peer } = await pair(model, { allowHalfOpen: true }, { allowHalfOpen: true })
    client.end()
    await next(client, 'finish')
    client.destroySoon()
    expect(client.destroyed).toBe(true)
    await shutDown(server, peer)
  })
})
