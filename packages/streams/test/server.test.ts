// Server as net.Server, on every model: close(cb) waits for the open sockets, getConnections,
// maxConnections with 'drop', the listen() forms, bind errors as 'error', and asyncDispose; and
// the completion port as the model when none is given.
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import { Server, connect, createServer, type Socket } from '../src/index.js'
import { ALL_MODELS, connected, listening, next, pair, within } from './helpers/sockets.js'

describe.each(ALL_MODELS)('Server (%s)', (model) => {
  it("close(cb) stops accepting at once and calls back after the last socket's 'close'", async () => {
    const { server, client, peer } = await pair(model)
    expect(peer.server).toBe(server)
    const events: string[] = []
    peer.on('close', () => events.push('socket close'))
    const closed = new Promise<void>((resolve) =>
      server.close((err) => {
        expect(err).toBeUndefined()
        events.push('server close')
        resolve()
      }),
    )
    expect(server.listening).toBe(false)
    await new Promise((r) => setTimeout(r, 50))
    expect(events).toEqual([]) // a socket is still open
    client.end()
    peer.resume()
    await within(closed, "the server's close")
    expect(events).toEqual(['socket close', 'server close'])
  })

  it('getConnections counts the open sockets, on the next tick', async () => {
    const { server, port, client, peer } = await pair(model)
    const accepted = next(server, 'connection')
    const second = await connected(model, port)
    await accepted
    const count = () => new Promise<number>((resolve) => server.getConnections((err, n) => resolve(err ? -1 : n)))
    expect(await count()).toBe(2)
    const gone = next(peer, 'close')
    client.destroy()
    peer.resume()
    await gone
    expect(await count()).toBe(1)
    second.destroy()
    await within(new Promise((r) => server.close(r)), "the server's close")
  })

  it("maxConnections: one past it is closed at once with 'drop'", async () => {
    const { server, port } = await listening(model, () => {})
    server.maxConnections = 1
    const first = await connected(model, port)
    const dropped = next<[{ remotePort: number; localPort: number }]>(server, 'drop')
    const second = await connected(model, port)
    const [info] = await dropped
    expect(info.remotePort).toBe(second.localPort)
    expect(info.localPort).toBe(port)
    second.on('error', () => {}) // an RST or a FIN, as the kernel closes it
    second.resume()
    await next(second, 'close')
    first.destroy()
    await within(new Promise((r) => server.close(r)), "the server's close")
  })

  it('listen({ port, host, backlog }) and listen(cb); a taken port is an EADDRINUSE error event', async () => {
    const server = createServer({ model })
    server.listen({ port: 0, host: '127.0.0.1', backlog: 16 })
    await once(server, 'listening')
    const { port, address, family } = server.address()!
    expect([address, family]).toEqual(['127.0.0.1', 'IPv4'])
    const rival = createServer({ model })
    rival.listen(port, '127.0.0.1')
    const [err] = (await next(rival, 'error')) as [NodeJS.ErrnoException]
    expect(err.code).toBe('EADDRINUSE')
    expect(rival.listening).toBe(false)
    const any = new Server({ model })
    await new Promise<void>((resolve) => any.listen(() => resolve()))
    expect(any.address()!.port).toBeGreaterThan(0)
    await new Promise((r) => any.close(r))
    await new Promise((r) => server.close(r))
    const notRunning = await new Promise<Error | undefined>((resolve) => server.close(resolve))
    expect((notRunning as NodeJS.ErrnoException).code).toBe('ERR_SERVER_NOT_RUNNING')
  })

  it('reusePort lets two servers listen on one port; highWaterMark sets both of each socket', async () => {
    const first = createServer({ model })
    first.listen({ port: 0, host: '127.0.0.1', reusePort: true })
    await once(first, 'listening')
    const { port } = first.address()!
    const { server: second, client, peer } = await pair(model, { highWaterMark: 1234 })
    const twin = createServer({ model, highWaterMark: 1234 })
    twin.listen({ port, host: '127.0.0.1', reusePort: true })
    await once(twin, 'listening')
    expect(twin.address()!.port).toBe(port)
    expect([peer.readableHighWaterMark, peer.writableHighWaterMark]).toEqual([1234, 1234])
    client.destroy()
    peer.destroy()
    await Promise.all([first, twin, second].map((s) => within(new Promise((r) => s.close(r)), "a server's close")))
  })

  it('Symbol.asyncDispose closes the server and waits', async () => {
    const { server, client, peer } = await pair(model)
    client.end()
    peer.resume()
    await within(server[Symbol.asyncDispose](), 'the dispose')
    expect(server.listening).toBe(false)
    expect(peer.destroyed).toBe(true)
  })
})

describe('without a model', () => {
  it("createServer() and connect(port, host, cb) use the completion port ('iocp'); listen(port, host, backlog, cb)", async () => {
    let accept!: (s: Socket) => void
    const accepted = new Promise<Socket>((resolve) => (accept = resolve))
    const server = createServer(accept)
    await within(new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 8, resolve)), 'the listen callback')
    let client!: Socket
    await within(new Promise<void>((resolve) => (client = connect(server.address()!.port, '127.0.0.1', resolve))), 'the connect callback')
    const peer = await within(accepted, "the server's socket")
    expect([client.model, peer.model]).toEqual(['iocp', 'iocp'])
    client.destroy()
    peer.destroy()
    await within(new Promise((r) => server.close(r)), "the server's close")
  })
})
