// Shared by the node:http, tls and http2 suites (which run over all six models): an http.Server
// served on our sockets, and raw request/response exchanges over one of our client sockets.
import { once } from 'node:events'
import type http from 'node:http'
import type net from 'node:net'
import type { Model } from '@wsm/core-native'
import { serveHttp, type Socket } from '../../src/index.js'
import { ALL_MODELS, connected, next, within } from './sockets.js'

/** `httpServer` (http, https or http2) served on 127.0.0.1 through a Server of `model`, and its port, once listening. */
export async function served<S extends net.Server>(httpServer: S, model: Model): Promise<{ httpServer: S; port: number }> {
  serveHttp(httpServer, { model, port: 0, host: '127.0.0.1' })
  await within(once(httpServer, 'listening'), "the http server's 'listening'")
  return { httpServer, port: (httpServer.address() as { port: number }).port }
}

/** Closes the http server (and destroys its sockets), waiting for its 'close'. */
export async function closed(httpServer: http.Server): Promise<void> {
  httpServer.closeAllConnections()
  await within(new Promise<void>((resolve) => httpServer.close(() => resolve())), "the http server's 'close'")
}

/** A client socket of `model` that collects what it receives as text. */
export async function rawClient(model: Model, port: number): Promise<{ socket: Socket; received: () => string }> {
  const socket = await connected(model, port)
  let text = ''
  socket.setEncoding('latin1')
  socket.on('data', (chunk: string) => (text += chunk))
  return { socket, received: () => text }
}

/** Waits until `received()` contains `count` occurrences of `needle`. */
export async function until(received: () => string, needle: string, count = 1, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (received().split(needle).length - 1 < count) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} × ${JSON.stringify(needle)} in ${JSON.stringify(received())}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

export { ALL_MODELS, next, within }
