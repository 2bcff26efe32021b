// tls over one of our sockets: tls wraps any socket without a native handle in its JSStreamSocket,
// and a TLSSocket asks that handle for its addresses, so it reports none (remoteAddress undefined;
// test/tls.test.ts shows it). withSocketAddress makes it report those of the socket under it;
// reportTlsServerAddresses does it for the TLSSockets a tls.Server (https, http2's secure server)
// makes itself out of the sockets serveHttp hands it.
import { TLSSocket, type Server as TlsServer } from 'node:tls'
import { invalidArgType } from './errors.js'
import { Socket } from './socket.js'

const ADDRESS_GETTERS = ['remoteAddress', 'remotePort', 'remoteFamily', 'localAddress', 'localPort', 'localFamily'] as const

/**
 * Makes `tlsSocket` report the addresses of `socket`, the @wsm/streams Socket it runs over
 * (remoteAddress, remotePort, remoteFamily, localAddress, localPort, localFamily, address()).
 * Returns `tlsSocket`.
 */
export function withSocketAddress<T extends TLSSocket>(tlsSocket: T, socket: Socket): T {
  if (!(tlsSocket instanceof TLSSocket)) throw invalidArgType('tlsSocket', 'an instance of tls.TLSSocket', tlsSocket)
  if (!(socket instanceof Socket)) throw invalidArgType('socket', 'an instance of Socket', socket)
  for (const name of ADDRESS_GETTERS) {
    Object.defineProperty(tlsSocket, name, { configurable: true, enumerable: true, get: () => socket[name] })
  }
  Object.defineProperty(tlsSocket, 'address', { configurable: true, writable: true, value: () => socket.address() })
  return tlsSocket
}

// How tls keeps the socket it wraps (Node 20, 22 and 24): the TLSSocket's handle holds the
// JSStreamSocket as `_parentWrap`, and that holds our socket as `stream`.
interface TlsInternals {
  _handle?: { _parentWrap?: { stream?: unknown } } | null
}

/** The @wsm/streams Socket a TLSSocket runs over, when tls wrapped one of ours. */
function socketUnder(tlsSocket: TLSSocket): Socket | undefined {
  const stream = (tlsSocket as unknown as TlsInternals)._handle?._parentWrap?.stream
  return stream instanceof Socket ? stream : undefined
}

/**
 * Makes the TLSSockets that `server` makes over our sockets report their addresses (as
 * withSocketAddress), from its 'secureConnection' on: the listener is prepended, so that
 * node:http's and http2's own listeners, and the request handlers after them, see the address
 * (test/tls.test.ts 'https and tls servers through serveHttp'; test/http2.test.ts 'h2 over TLS').
 */
export function reportTlsServerAddresses(server: TlsServer): void {
  server.prependListener('secureConnection', (tlsSocket: TLSSocket) => {
    const socket = socketUnder(tlsSocket)
    if (socket) withSocketAddress(tlsSocket, socket)
  })
}
