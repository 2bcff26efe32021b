// node:http2 over our sockets: in cleartext (h2c), an http2 server served with serveHttp and an
// http2 client whose createConnection is ours (http2 wraps each in its JSStreamSocket); and over
// TLS, a secure server whose sessions report the peer's address.
import { readFileSync } from 'node:fs'
import http2 from 'node:http2'
import tls from 'node:tls'
import { describe, expect, it } from 'vitest'
import { connect, type Socket } from '../src/index.js'
import { ALL_MODELS, served, within } from './helpers/http.js'

const key = readFileSync(new URL('fixtures/localhost-key.pem', import.meta.url))
const cert = readFileSync(new URL('fixtures/localhost-cert.pem', import.meta.url))

/** The status and body of a GET of `path` on `session`. */
function get(session: http2.ClientHttp2Session, path: string): Promise<{ status: number; body: string }> {
  return within(
    new Promise((resolve, reject) => {
      const stream = session.request({ ':path': path })
      let status = 0
      let body = ''
      stream.on('response', (headers) => (status = headers[':status']!))
      stream.setEncoding('utf8')
      stream.on('data', (chunk: string) => (body += chunk))
      stream.on('end', () => resolve({ status, body }))
      stream.on('error', reject)
    }),
    `GET ${path}`,
  )
}

describe.each(ALL_MODELS)('http2 over our sockets (%s)', (model) => {
  it('h2c: two requests on one session, each answered on its own stream', async () => {
    const server = http2.createServer()
    let sessions = 0
    server.on('session', () => sessions++)
    server.on('stream', (stream, headers) => {
      stream.respond({ ':status': 200, 'content-type': 'text/plain' })
      stream.end(`h2 ${headers[':path']}`)
    })
    const { httpServer, port } = await served(server, model)
    const session = http2.connect(`http://127.0.0.1:${port}`, {
      createConnection: () => connect({ port, host: '127.0.0.1', model }) as never,
    })
    const [a, b] = await Promise.all([get(session, '/a'), get(session, '/b')])
    expect([a, b]).toEqual([
      { status: 200, body: 'h2 /a' },
      { status: 200, body: 'h2 /b' },
    ])
    expect(sessions).toBe(1)
    await within(new Promise<void>((r) => session.close(() => r())), "the session's close")
    await within(new Promise((r) => httpServer.close(r)), "the http2 server's close")
  })

  it("h2 over TLS: a secure server's session reports the peer's address", async () => {
    const server = http2.createSecureServer({ key, cert })
    server.on('stream', (stream) => {
      const s = stream.session!.socket
      stream.respond({ ':status': 200 })
      stream.end(`${s.remoteAddress}:${s.remotePort}`)
    })
    const { httpServer, port } = await served(server, model)
    let raw!: Socket
    const session = http2.connect(`https://localhost:${port}`, {
      createConnection: () => tls.connect({ socket: (raw = connect({ port, host: '127.0.0.1', model })), ca: cert, servername: 'localhost', ALPNProtocols: ['h2'] }),
    })
    expect(await get(session, '/peer')).toEqual({ status: 200, body: `127.0.0.1:${raw.localPort}` })
    await within(new Promise<void>((r) => session.close(() => r())), "the session's close")
    await within(new Promise((r) => httpServer.close(r)), "the http2 server's close")
  })
})
