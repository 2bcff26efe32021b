// The state a Socket reports, on every model: addresses and ports as net gives them, connecting /
// pending / readyState through a socket's life, options remembered before connect (keep-alive
// seen in the kernel's timers), and pauseOnConnect holding the bytes until resume().
import { describe, expect, it } from 'vitest'
import { Socket } from '../src/index.js'
import { ALL_MODELS, connected, listening, next, pair, readAll, shutDown, within } from './helpers/sockets.js'
import { TCP_TIMER, tcpTimer } from './helpers/tcp-timer.js'

describe.each(ALL_MODELS)('Socket state (%s)', (model) => {
  it('addresses, ports and address() on both sides, kept after close', async () => {
    const { server, port, client, peer } = await pair(model)
    expect(client.remoteAddress).toBe('127.0.0.1')
    expect(client.remotePort).toBe(port)
    expect(client.remoteFamily).toBe('IPv4')
    expect(client.address()).toEqual({ address: '127.0.0.1', family: 'IPv4', port: client.localPort })
    expect(peer.remotePort).toBe(client.localPort)
    expect(peer.localPort).toBe(port)
    expect(client.model).toBe(model)
    const closed = next(client, 'close')
    client.destroy()
    await closed
    expect(client.remotePort).toBe(port)
    await shutDown(server, peer)
  })

  it('connecting, pending and readyState from new Socket() to close', async () => {
    const { server, port } = await listening(model, (s) => s.resume())
    const socket = new Socket({ model, allowHalfOpen: true })
    expect([socket.connecting, socket.pending]).toEqual([false, true])
    expect(socket.address()).toEqual({})
    expect(socket.remoteAddress).toBeUndefined()
    // Remembered until connected; each returns the socket, as net's.
    expect(socket.setNoDelay()).toBe(socket)
    expect(socket.setKeepAlive(true, 1000)).toBe(socket)
    socket.connect({ port, host: '127.0.0.1' })
    expect([socket.connecting, socket.pending, socket.readyState]).toEqual([true, true, 'opening'])
    await next(socket, 'ready')
    expect([socket.connecting, socket.pending, socket.readyState]).toEqual([false, false, 'open'])
    socket.end()
    await next(socket, 'finish')
    expect(socket.readyState).toBe('readOnly')
    socket.resume()
    await next(socket, 'close')
    expect(socket.readyState).toBe('closed')
    await shutDown(server)
  })

  it('setKeepAlive(true, delay) before connect is applied once connected: the kernel runs the keepalive timer', async () => {
    const { server, port } = await listening(model, (s) => s.resume())
    const kept = new Socket({ model }).setKeepAlive(true, 90_000)
    kept.connect(port, '127.0.0.1')
    await next(kept, 'connect')
    const plain = await connected(model, port)
    const timer = tcpTimer(kept.localPort!, port)
    expect(timer?.kind).toBe(TCP_TIMER.keepalive)
    expect(timer?.seconds).toBeGreaterThan(60) // the first probe after 90 s of silence
    expect(tcpTimer(plain.localPort!, port)?.kind).toBe(TCP_TIMER.none)
    await shutDown(server, kept, plain)
  })

  it('pauseOnConnect: no bytes are read until resume(), then all of them arrive', async () => {
    const { server, client, peer } = await pair(model, { pauseOnConnect: true })
    let early = 0
    peer.on('data', () => early++)
    client.end('held back')
    await new Promise((r) => setTimeout(r, 50))
    expect(early).toBe(0)
    expect(peer.bytesRead).toBe(0)
    peer.removeAllListeners('data')
    const received = readAll(peer)
    peer.resume()
    expect((await within(received, 'the bytes')).toString()).toBe('held back')
    await shutDown(server, client)
  })
})
