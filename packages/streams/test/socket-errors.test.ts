// Errors and destroys on every model: ECONNREFUSED on connect, ECONNRESET from the peer, a destroy
// that travels through a pipeline, 'close' always last and only after the native close, an aborted
// signal, and bad arguments refused with Node's codes.
import { once } from 'node:events'
import { PassThrough, pipeline } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { Socket, connect, createServer } from '../src/index.js'
import { ALL_MODELS, listening, next, pair, shutDown, within } from './helpers/sockets.js'
import { tcpSocketHeld } from './helpers/tcp-owner.js'

/** A port nobody listens on: a server's, closed again. */
async function closedPort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address()!
  await new Promise((r) => server.close(r))
  return port
}

describe.each(ALL_MODELS)('Socket errors (%s)', (model) => {
  it('ECONNREFUSED: error, then close(true), and the socket was never connected', async () => {
    const port = await closedPort()
    const socket = connect({ port, host: '127.0.0.1', model })
    expect(socket.connecting).toBe(true)
    expect(socket.pending).toBe(true)
    expect(socket.readyState).toBe('opening')
    const events: string[] = []
    socket.on('connect', () => events.push('connect'))
    let error: (Error & { address?: string; port?: number }) | undefined
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e
      events.push(`error ${e.code} ${e.syscall}`)
    })
    await next<[boolean]>(socket, 'close').then(([hadError]) => events.push(`close ${hadError}`))
    expect(events).toEqual([expect.stringMatching(/^error ECONNREFUSED (connect|ConnectEx)$/), 'close true'])
    expect(socket.connecting).toBe(false)
    expect([error?.address, error?.port]).toEqual(['127.0.0.1', port]) // as net's connect errors carry them
  })

  it('ECONNRESET: the server destroys with unread bytes (an RST); the client errors, then closes', async () => {
    const { server, client, peer } = await pair(model, { pauseOnConnect: true })
    client.resume()
    const errored = next<[NodeJS.ErrnoException]>(client, 'error')
    const closed = next<[boolean]>(client, 'close')
    await new Promise((resolve) => client.write(Buffer.alloc(64 * 1024), resolve))
    await new Promise((r) => setTimeout(r, 20))
    peer.destroy() // close() with bytes unread: the kernel answers with an RST
    const [err] = await errored
    expect(err.code).toBe('ECONNRESET')
    expect(typeof err.errno).toBe('number')
    expect(typeof err.syscall).toBe('string')
    expect(await closed).toEqual([true])
    await shutDown(server)
  })

  it('a destroy with an error travels through pipeline to the other streams', async () => {
    const { server, client, peer } = await pair(model)
    const sink = new PassThrough()
    const done = new Promise<Error | null>((resolve) => pipeline(client, sink, (err) => resolve(err ?? null)))
    client.destroy(Object.assign(new Error('boom'), { code: 'EBOOM' }))
    expect(((await within(done, 'the pipeline')) as NodeJS.ErrnoException).code).toBe('EBOOM')
    expect(sink.destroyed).toBe(true)
    // The peer sees the end of the connection.
    peer.resume()
    await within(once(peer, 'close'), "the peer's 'close'")
    await shutDown(server)
  })

  it("'close' is the last event and comes after the native close, with hadError", async () => {
    const { server, port, client } = await pair(model)
    const events: string[] = []
    let heldAtClose: boolean | undefined
    for (const e of ['end', 'finish', 'error']) client.on(e, () => events.push(e))
    client.on('close', () => {
      events.push('close')
      heldAtClose = tcpSocketHeld(client.localPort!, port)
    })
    expect(tcpSocketHeld(client.localPort!, port)).toBe(true)
    client.destroy(new Error('mine'))
    expect(events).toEqual([]) // nothing synchronously
    await next(client, 'close')
    expect(events).toEqual(['error', 'close'])
    expect(heldAtClose).toBe(false) // by 'close', no descriptor holds the socket: it was closed first
    await shutDown(server)
  })

  it('options.signal: aborting destroys the connected socket with an AbortError, then close(true)', async () => {
    const { server, port } = await listening(model, (s) => s.on('error', () => {}).resume())
    const controller = new AbortController()
    const socket = connect({ port, host: '127.0.0.1', model, signal: controller.signal })
    await next(socket, 'connect')
    const errored = next<[Error]>(socket, 'error')
    const closed = next<[boolean]>(socket, 'close')
    controller.abort()
    expect((await errored)[0].name).toBe('AbortError')
    expect(await closed).toEqual([true])
    await shutDown(server)
  })

  it('writes before connect wait for it; a destroy before it fails them', async () => {
    // The client destroys with the echo unread (an RST): the server's socket sees ECONNRESET.
    const { server, port } = await listening(model, (s) => s.on('error', () => {}).pipe(s))
    const socket = new Socket({ model })
    const early = new Promise<Error | null | undefined>((resolve) => socket.write('queued before connect', resolve))
    socket.connect(port, '127.0.0.1')
    expect(await within(early, 'the early write')).toBeFalsy()
    socket.destroy()
    const never = new Socket({ model })
    never.connect(port, '127.0.0.1')
    const failed = new Promise<Error | null | undefined>((resolve) => never.write('x', resolve))
    never.destroy()
    expect(((await within(failed, 'the failed write')) as NodeJS.ErrnoException).code).toBe('ERR_SOCKET_CLOSED_BEFORE_CONNECTION')
    await next(never, 'close')
    await shutDown(server)
  })
})

describe('bad arguments', () => {
  it('are refused with Node codes, synchronously', () => {
    const codeOf = (f: () => unknown) => {
      try {
        f()
      } catch (err) {
        return `${(err as Error).name} ${(err as NodeJS.ErrnoException).code}`
      }
      return 'no error'
    }
    expect(codeOf(() => connect({ port: 70000 }))).toBe('RangeError ERR_SOCKET_BAD_PORT')
    expect(codeOf(() => connect({ port: 0 }))).toBe('RangeError ERR_SOCKET_BAD_PORT')
    expect(codeOf(() => connect({ port: {} as never }))).toBe('TypeError ERR_INVALID_ARG_TYPE')
    expect(codeOf(() => connect({ port: 80, host: 'example.com' }))).toBe('TypeError ERR_INVALID_ARG_VALUE')
    expect(codeOf(() => connect({ port: 80, model: 'poll' as never }))).toBe('TypeError ERR_INVALID_ARG_VALUE')
    expect(codeOf(() => new Socket({ allowHalfOpen: 1 as never }))).toBe('TypeError ERR_INVALID_ARG_TYPE')
    expect(codeOf(() => new Socket({ objectMode: true } as never))).toBe('TypeError ERR_INVALID_ARG_VALUE')
    expect(codeOf(() => new Socket().setTimeout(-1))).toBe('TypeError ERR_INVALID_ARG_VALUE')
    expect(codeOf(() => new Socket().setTimeout(10, 'x' as never))).toBe('TypeError ERR_INVALID_ARG_TYPE')
    expect(codeOf(() => createServer({ model: 7 as never }))).toBe('TypeError ERR_INVALID_ARG_TYPE')
    expect(codeOf(() => createServer().listen({ port: -1 }))).toBe('RangeError ERR_SOCKET_BAD_PORT')
    expect(codeOf(() => createServer().listen({ port: 0, host: 'nowhere' }))).toBe('TypeError ERR_INVALID_ARG_VALUE')
    expect(codeOf(() => (createServer().maxConnections = -2))).toBe('TypeError ERR_INVALID_ARG_VALUE')
  })

  it('a socket connects once', async () => {
    const socket = new Socket()
    socket.on('error', () => {})
    socket.connect(1, '127.0.0.1')
    expect(() => socket.connect(1, '127.0.0.1')).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_CONNECTING' }))
    socket.destroy()
    expect(() => socket.connect(1, '127.0.0.1')).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_CLOSED' }))
    await next(socket, 'close')
  })
})
