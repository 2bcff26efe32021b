// serveHttp: an http.Server (or https.Server, or an http2 server: any net.Server) served on a
// @wsm/streams Server, with what its own listen() would have given it.
//
// Why it exists: `httpServer.emit('connection', socket)` alone serves a socket, but node:http arms
// its connection tracking (the connectionsCheckingInterval behind headersTimeout and requestTimeout,
// and what closeIdleConnections()/closeAllConnections() see) only on its own 'listening', and
// counts connections (getConnections, close() draining) only in net's accept path. So this:
// - emits 'listening' on the http server once our listener is bound: http's own
//   setupConnectionsTracking listener runs then, exactly as after listen() (Node 20, 22 and 24;
//   test/http-server.test.ts 'headersTimeout', 'requestTimeout', 'closeIdleConnections');
// - counts each socket in net.Server's `_connections` and calls `_emitCloseIfDrained()` at its
//   'close', as net's accept path and net.Socket do, so Node's own getConnections() and close()
//   work unchanged ('getConnections and close(cb)');
// - gives the http server instance its own listening, address(), close(), ref() and unref() that
//   reach our listener (the prototype's read net's `_handle`, which it does not have;
//   'listening, address(), getConnections() and close(cb)', 'unref() lets the process exit');
// - makes the TLSSockets of a tls.Server (https, http2's secure server) report the peer's address,
//   which tls cannot find over our socket (src/tls-address.ts).
import net from 'node:net'
import tls from 'node:tls'
import type { Model } from '@wsm/core-native'
import { checkObject, optionalFunction } from './args.js'
import { invalidArgType, serverAlreadyListening, serverNotRunning } from './errors.js'
import { Server, type ServerListenOptions } from './server.js'
import { reportTlsServerAddresses } from './tls-address.js'

export interface ServeHttpOptions extends ServerListenOptions {
  /** The driver that accepts and serves the connections: one of the six models, 'iocp' by default. */
  model?: Model
}

// The net.Server fields node:http sets from its own options, and net's connection count.
interface NetServerFields {
  allowHalfOpen: boolean
  noDelay?: boolean
  keepAlive?: boolean
  /** In seconds (net stores ms / 1000). */
  keepAliveInitialDelay?: number
  highWaterMark?: number
  maxConnections?: number
  _connections: number
  _emitCloseIfDrained(): void
}

/**
 * Makes `httpServer` (http.Server, https.Server, or an http2 server) listen through a @wsm/streams
 * Server of `options.model` on `options.port`/`options.host`, with its timeouts, connection
 * tracking, getConnections(), close() and events as after its own listen(). Returns `httpServer`;
 * `callback` is added to 'listening'. Bind errors are emitted as the http server's 'error'.
 */
export function serveHttp<S extends net.Server>(httpServer: S, options: ServeHttpOptions = {}, callback?: () => void): S {
  if (!(httpServer instanceof net.Server)) {
    throw invalidArgType('httpServer', 'an instance of net.Server (http.Server, https.Server or an http2 server)', httpServer)
  }
  const o = checkObject('options', options)
  const listening = optionalFunction<() => void>('callback', callback)
  if (httpServer.listening) throw serverAlreadyListening()
  const fields = httpServer as unknown as NetServerFields
  // The socket options node:http asked of net.Server (allowHalfOpen true, noDelay true by default).
  const server = new Server({
    model: o.model as Model | undefined,
    allowHalfOpen: fields.allowHalfOpen,
    noDelay: fields.noDelay || undefined,
    keepAlive: fields.keepAlive || undefined,
    keepAliveInitialDelay: fields.keepAlive ? (fields.keepAliveInitialDelay ?? 0) * 1000 : undefined,
    highWaterMark: fields.highWaterMark,
  })
  if (typeof fields.maxConnections === 'number') server.maxConnections = fields.maxConnections
  // First, so that bad listen options throw before the http server is touched; 'listening' and a
  // bind error come on a later tick, after the wiring below.
  const { port, host, backlog, reusePort } = o as ServerListenOptions
  server.listen({ port, host, backlog, reusePort })
  server.on('connection', (socket) => {
    fields._connections++
    socket.once('close', () => {
      fields._connections--
      fields._emitCloseIfDrained()
    })
    httpServer.emit('connection', socket)
  })
  if (httpServer instanceof tls.Server) reportTlsServerAddresses(httpServer)
  server.on('listening', () => httpServer.emit('listening'))
  server.on('error', (err) => httpServer.emit('error', err))
  server.on('drop', (info) => httpServer.emit('drop', info))
  const protoClose = Object.getPrototypeOf(httpServer).close as (this: S) => S
  Object.defineProperties(httpServer, {
    listening: { configurable: true, enumerable: true, get: () => server.listening },
    address: { configurable: true, writable: true, value: () => server.address() },
    close: {
      configurable: true,
      writable: true,
      value(this: S, cb?: (err?: Error) => void): S {
        const done = optionalFunction<(err?: Error) => void>('callback', cb)
        if (done) this.once('close', server.listening ? done : () => done(serverNotRunning()))
        server.close()
        // node:http's own close: closeIdleConnections(), stops the checking interval, then net's,
        // which emits 'close' once `_connections` is 0. Called without cb: with no `_handle` it
        // would report ERR_SERVER_NOT_RUNNING to it.
        protoClose.call(this)
        return this
      },
    },
    ref: {
      configurable: true,
      writable: true,
      value: () => {
        server.ref()
        return httpServer
      },
    },
    unref: {
      configurable: true,
      writable: true,
      value: () => {
        server.unref()
        return httpServer
      },
    },
  })
  if (listening) httpServer.once('listening', listening)
  return httpServer
}
