// node:http's server on our sockets through serveHttp: keep-alive and pipelining, its three
// timeouts, closeIdleConnections() and closeAllConnections(), the listen()-like surface (listening,
// address, getConnections, close, ref/unref) and a ws-style upgrade, over every model.
import http from 'node:http'
import { describe, expect, it } from 'vitest'
import { connect, serveHttp, type Socket } from '../src/index.js'
import { exitsWithin } from './helpers/exits.js'
import { closed, ALL_MODELS, next, rawClient, served, until, within } from './helpers/http.js'
import { TCP_TIMER, tcpTimer } from './helpers/tcp-timer.js'

const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`

describe.each(ALL_MODELS)('serveHttp (%s)', (model) => {
  it('serves pipelined requests in order on one kept-alive socket, which reports the peer', async () => {
    const seen: Array<{ url: string; socket: unknown; remote: string | undefined }> = []
    const { httpServer, port } = await served(
      http.createServer((req, res) => {
        seen.push({ url: req.url!, socket: req.socket, remote: req.socket.remoteAddress })
        res.end(`answer to ${req.url};`)
      }),
      model,
    )
    const { socket, received } = await rawClient(model, port)
    socket.write(GET('/one') + GET('/two'))
    await until(received, 'answer to /two')
    socket.write(GET('/three'))
    await until(received, 'answer to /three')
    const bodies = received().match(/answer to \/\w+;/g)
    expect(bodies).toEqual(['answer to /one;', 'answer to /two;', 'answer to /three;'])
    expect(received()).toContain('Connection: keep-alive')
    expect(seen.map((s) => s.url)).toEqual(['/one', '/two', '/three'])
    expect(new Set(seen.map((s) => s.socket)).size).toBe(1)
    expect(seen[0]!.remote).toBe('127.0.0.1')
    socket.destroy()
    await closed(httpServer)
  })

  it("the http server's keepAlive and keepAliveInitialDelay reach its sockets: the kernel runs the keepalive timer", async () => {
    const server = http.createServer({ keepAlive: true, keepAliveInitialDelay: 90_000 }, (_req, res) => res.end('ok'))
    const { httpServer, port } = await served(server, model)
    const { socket, received } = await rawClient(model, port)
    socket.write(GET('/'))
    await until(received, 'ok')
    const timer = tcpTimer(port, socket.localPort!) // the server's side of the connection
    expect(timer?.kind).toBe(TCP_TIMER.keepalive)
    expect(timer?.seconds).toBeGreaterThan(60) // the first probe after 90 s of silence
    socket.destroy()
    await closed(httpServer)
  })

  it('closeIdleConnections() closes the idle socket and leaves the one in a request', async () => {
    let slow!: (res: http.ServerResponse) => void
    const slowArrived = new Promise<http.ServerResponse>((resolve) => (slow = resolve))
    const server = http.createServer((req, res) => (req.url === '/slow' ? slow(res) : res.end('quick')))
    const { httpServer, port } = await served(server, model)
    const idle = await rawClient(model, port)
    const inRequest = await rawClient(model, port)
    idle.socket.write(GET('/quick'))
    await until(idle.received, 'quick')
    inRequest.socket.write(GET('/slow'))
    const res = await within(slowArrived, 'the slow request')
    const idleClosed = next(idle.socket, 'close')
    httpServer.closeIdleConnections()
    await idleClosed
    expect(inRequest.socket.destroyed).toBe(false)
    res.end('slow done')
    await until(inRequest.received, 'slow done')
    inRequest.socket.destroy()
    await closed(httpServer)
  })

  it('closeAllConnections() closes a socket in the middle of a request', async () => {
    let arrived!: () => void
    const requested = new Promise<void>((resolve) => (arrived = resolve))
    const { httpServer, port } = await served(
      http.createServer(() => arrived()), // never answers
      model,
    )
    const { socket } = await rawClient(model, port)
    socket.write(GET('/never'))
    await within(requested, 'the request')
    const gone = next(socket, 'close')
    httpServer.closeAllConnections()
    await gone
    await closed(httpServer)
  })

  it('listening, address(), getConnections() and close(cb) as after listen(); a taken port is an error event', async () => {
    const events: string[] = []
    const server = http.createServer((_req, res) => res.end('ok'))
    server.on('listening', () => events.push('listening'))
    server.on('close', () => events.push('close'))
    const accepted: Socket[] = []
    server.on('connection', (s: Socket) => accepted.push(s))
    const { httpServer, port } = await served(server, model)
    expect(httpServer.listening).toBe(true)
    expect(httpServer.address()).toEqual({ address: '127.0.0.1', family: 'IPv4', port })
    const a = await rawClient(model, port)
    const b = await rawClient(model, port)
    a.socket.write(GET('/'))
    await until(a.received, 'ok')
    const count = () => new Promise<number>((resolve) => httpServer.getConnections((err, n) => resolve(err ? -1 : n)))
    expect(await count()).toBe(2)

    const rival = http.createServer()
    serveHttp(rival, { model, port, host: '127.0.0.1' })
    const [err] = (await next(rival, 'error')) as [NodeJS.ErrnoException]
    expect(err.code).toBe('EADDRINUSE')
    expect(rival.listening).toBe(false)

    const idleClosed = next(accepted.find((s) => s.remotePort === a.socket.localPort)!, 'close')
    const closing = new Promise<Error | undefined>((resolve) => httpServer.close(resolve))
    expect(httpServer.listening).toBe(false)
    const [refused] = (await next(connect({ model, port, host: '127.0.0.1' }), 'error')) as [NodeJS.ErrnoException]
    expect(refused.code).toBe('ECONNREFUSED')
    await idleClosed // a was idle: close() closed it
    expect(events).toEqual(['listening']) // b is still open
    expect(await count()).toBe(1)
    b.socket.destroy()
    expect(await within(closing, 'close(cb)')).toBeUndefined()
    expect(events).toEqual(['listening', 'close'])
    const notRunning = await new Promise<Error | undefined>((resolve) => httpServer.close(resolve))
    expect((notRunning as NodeJS.ErrnoException).code).toBe('ERR_SERVER_NOT_RUNNING')
  })

  it('a ws-style upgrade gets the head bytes, unshifted, then echoes', async () => {
    const server = http.createServer()
    server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
      expect(req.headers.upgrade).toBe('echo')
      // What ws does in setSocket: no timeout, no Nagle, the bytes read past the headers put back.
      socket.setTimeout(0)
      socket.setNoDelay()
      socket.unshift(head)
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n')
      socket.pipe(socket)
    })
    const { httpServer, port } = await served(server, model)
    const { socket, received } = await rawClient(model, port)
    socket.write('GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nhead bytes;')
    await until(received, 'head bytes;')
    socket.write('then more')
    await until(received, 'then more')
    expect(received()).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n[^]*\r\n\r\nhead bytes;then more$/)
    socket.end()
    await within(next(socket, 'close'), "the client's close")
    await closed(httpServer)
  })
})

// The three timeouts wait on timers (keepAliveTimeout for 1.1 s on Node 20), not on the CPU: the
// six models run at once, so that they cost the suite what one does.
describe.concurrent.each(ALL_MODELS)('serveHttp timeouts (%s)', (model) => {
  it('headersTimeout: headers that never complete get a 408 and the socket closes', async ({ expect }) => {
    const server = http.createServer({ headersTimeout: 150, requestTimeout: 0, connectionsCheckingInterval: 25 }, () => {
      throw new Error('no request should reach the handler')
    })
    const { httpServer, port } = await served(server, model)
    const { socket, received } = await rawClient(model, port)
    const start = Date.now()
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n') // no blank line: the headers never end
    await within(next(socket, 'close'), "the socket's close")
    expect(received()).toMatch(/^HTTP\/1\.1 408 Request Timeout/)
    expect(Date.now() - start).toBeGreaterThanOrEqual(140)
    await closed(httpServer)
  })

  it('requestTimeout: a body that never completes gets a 408 and the socket closes', async ({ expect }) => {
    const server = http.createServer({ headersTimeout: 150, requestTimeout: 200, connectionsCheckingInterval: 25 }, (req) => {
      req.resume() // reads what comes, never answers: the request stays incomplete
    })
    const { httpServer, port } = await served(server, model)
    const { socket, received } = await rawClient(model, port)
    const start = Date.now()
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc')
    await within(next(socket, 'close'), "the socket's close")
    expect(received()).toMatch(/^HTTP\/1\.1 408 Request Timeout/)
    expect(Date.now() - start).toBeGreaterThanOrEqual(190)
    await closed(httpServer)
  })

  it('keepAliveTimeout: an idle kept-alive socket is closed by the server', async ({ expect }) => {
    const server = http.createServer({ keepAliveTimeout: 100 }, (_req, res) => res.end('ok'))
    // Node adds a buffer of 1 s to the socket's timeout: keepAliveTimeoutBuffer on Node 22 and 24,
    // a constant on Node 20.
    Object.assign(server, { keepAliveTimeoutBuffer: 0 })
    const { httpServer, port } = await served(server, model)
    const { socket, received } = await rawClient(model, port)
    socket.write(GET('/'))
    await until(received, 'ok')
    const answered = Date.now()
    await within(next(socket, 'close'), "the socket's close", 3000)
    expect(Date.now() - answered).toBeGreaterThanOrEqual(90)
    expect(received()).toContain('Keep-Alive: timeout=')
    await closed(httpServer)
  })
})

// Each check waits 800 ms on a child process that must stay alive. serveHttp's ref() and unref()
// forward to its Server's, which socket-ref.test.ts checks on all six models; here the completion
// port and a readiness model.
describe.each(['iocp', 'select'] as const)('serveHttp ref/unref (%s)', (model) => {
  it('unref() lets the process exit while serving; ref() keeps it alive', async () => {
    const serve = `const s = serveHttp(http.createServer(), { model: '${model}', port: 0, host: '127.0.0.1' }, () => console.log('listening'))`
    const [unrefed, refed] = await Promise.all([exitsWithin(`${serve}; s.unref()`, 3000), exitsWithin(`${serve}; s.unref(); s.ref()`, 800)])
    expect(unrefed).toEqual({ exited: true, output: 'listening\n' })
    expect(refed).toEqual({ exited: false, output: 'listening\n' })
  })
})

describe('serveHttp arguments', () => {
  it('rejects what is not a net.Server, bad options, and a server already listening', async () => {
    expect(() => serveHttp({} as http.Server)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }))
    expect(() => serveHttp(http.createServer(), null as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }))
    expect(() => serveHttp(http.createServer(), { port: 70000 })).toThrow(expect.objectContaining({ code: 'ERR_SOCKET_BAD_PORT' }))
    const { httpServer } = await served(http.createServer(), 'iocp')
    expect(() => serveHttp(httpServer, { port: 0 })).toThrow(expect.objectContaining({ code: 'ERR_SERVER_ALREADY_LISTEN' }))
    await closed(httpServer)
  })
})
