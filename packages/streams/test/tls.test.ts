// node:tls over our sockets, both ways: tls.connect({ socket }) on our client socket against
// node's tls server, and new tls.TLSSocket(s, { isServer: true }) on our server's socket against
// node's tls client; and the peer's address, which tls loses over a Duplex and withSocketAddress
// gives back (and serveHttp, for the TLSSockets of an https.Server or a tls.Server). The certificate is test/fixtures/localhost-cert.pem: self-signed for localhost and
// 127.0.0.1, valid until 2126.
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import tls from 'node:tls'
import { describe, expect, it } from 'vitest'
import { connect, withSocketAddress, type Socket } from '../src/index.js'
import { connected, listening, readAll, within } from './helpers/sockets.js'
import { closed, ALL_MODELS, served } from './helpers/http.js'

const key = readFileSync(new URL('fixtures/localhost-key.pem', import.meta.url))
const cert = readFileSync(new URL('fixtures/localhost-cert.pem', import.meta.url))

describe.each(ALL_MODELS)('tls over our sockets (%s)', (model) => {
  it('tls.connect({ socket }) on our client socket talks to a tls server', async () => {
    const server = tls.createServer({ key, cert }, (s) => s.end(`hello ${s.remoteAddress}`))
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const socket = await connected(model, (server.address() as AddressInfo).port)
    const secure = tls.connect({ socket, ca: cert, servername: 'localhost' })
    await within(once(secure, 'secureConnect'), "'secureConnect'")
    expect(secure.authorized).toBe(true)
    expect((await readAll(secure)).toString()).toBe('hello 127.0.0.1')
    await within(new Promise((r) => server.close(r)), "the tls server's close")
  })

  it('new tls.TLSSocket(s, { isServer: true }) on our server socket serves a tls client', async () => {
    const { server, port } = await listening(model, (s) => {
      const secure = new tls.TLSSocket(s, { isServer: true, key, cert })
      secure.once('data', (chunk: Buffer) => secure.end(`echo ${chunk}`))
    })
    const client = tls.connect({ port, host: '127.0.0.1', ca: cert, servername: 'localhost' })
    await within(once(client, 'secureConnect'), "'secureConnect'")
    expect(client.authorized).toBe(true)
    client.write('ping')
    expect((await readAll(client)).toString()).toBe('echo ping')
    await within(new Promise((r) => server.close(r)), "the server's close")
  })

  it('the TLS socket reports no peer address by itself, and the socket under it with withSocketAddress', async () => {
    let accept!: (sides: { raw: Socket; secure: tls.TLSSocket }) => void
    const accepted = new Promise<{ raw: Socket; secure: tls.TLSSocket }>((resolve) => (accept = resolve))
    const { server, port } = await listening(model, (raw) => accept({ raw, secure: new tls.TLSSocket(raw, { isServer: true, key, cert }) }))
    const peer = tls.connect({ port, host: '127.0.0.1', ca: cert, servername: 'localhost' })
    await within(once(peer, 'secureConnect'), "'secureConnect'")
    const { raw, secure } = await accepted
    expect(secure.remoteAddress).toBeUndefined() // tls asks the native handle, which a Duplex lacks
    expect(withSocketAddress(secure, raw)).toBe(secure)
    expect([secure.remoteAddress, secure.remotePort, secure.remoteFamily]).toEqual(['127.0.0.1', peer.localPort, 'IPv4'])
    expect([secure.localAddress, secure.localPort]).toEqual(['127.0.0.1', port])
    expect(secure.address()).toEqual({ address: '127.0.0.1', family: 'IPv4', port })
    peer.destroy()
    secure.destroy()
    await within(new Promise((r) => server.close(r)), "the server's close")
  })
})

describe.each(ALL_MODELS)('https and tls servers through serveHttp (%s)', (model) => {
  it('an https.Server answers an https request made over our socket, and its requests report the peer', async () => {
    const server = https.createServer({ key, cert }, (req, res) => {
      const s = req.socket
      res.end(`secure ${req.url} ${s.remoteAddress}:${s.remotePort} ${s.remoteFamily}`)
    })
    const { httpServer, port } = await served(server, model)
    let raw!: Socket
    const body = await within(
      new Promise<string>((resolve, reject) => {
        const createConnection = () => tls.connect({ socket: (raw = connect({ port, host: '127.0.0.1', model })), ca: cert, servername: 'localhost' })
        https
          .get({ host: '127.0.0.1', port, path: '/s', createConnection } as https.RequestOptions, (res) => {
            let text = ''
            res.setEncoding('utf8')
            res.on('data', (chunk: string) => (text += chunk))
            res.on('end', () => resolve(text))
          })
          .on('error', reject)
      }),
      'the https response',
    )
    expect(body).toBe(`secure /s 127.0.0.1:${raw.localPort} IPv4`)
    await closed(httpServer)
  })

  it("a tls.Server's TLSSockets report the peer's and their own addresses", async () => {
    const server = tls.createServer({ key, cert }, (s) => {
      const seen = { remote: [s.remoteAddress, s.remotePort, s.remoteFamily], local: [s.localAddress, s.localPort], address: s.address() }
      s.end(JSON.stringify(seen))
    })
    const { httpServer, port } = await served(server, model)
    const client = tls.connect({ port, host: '127.0.0.1', ca: cert, servername: 'localhost' })
    await within(once(client, 'secureConnect'), "'secureConnect'")
    const clientPort = client.localPort // node's own socket forgets it once closed
    expect(JSON.parse((await readAll(client)).toString())).toEqual({
      remote: ['127.0.0.1', clientPort, 'IPv4'],
      local: ['127.0.0.1', port],
      address: { address: '127.0.0.1', family: 'IPv4', port },
    })
    await within(new Promise((r) => httpServer.close(r)), "the tls server's close")
  })
})

describe('withSocketAddress arguments', () => {
  it('takes a tls.TLSSocket and one of our sockets', () => {
    expect(() => withSocketAddress({} as tls.TLSSocket, {} as Socket)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }))
    const secure = new tls.TLSSocket(null as never)
    expect(() => withSocketAddress(secure, {} as Socket)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }))
    secure.destroy()
  })
})
