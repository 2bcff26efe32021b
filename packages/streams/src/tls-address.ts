// tls over one of our sockets: tls wraps any socket without a native handle in its JSStreamSocket,
// and a TLSSocket asks that handle for its addresses, so it reports none (remoteAddress undefined;
// test/tls.test.ts shows it). withSocketAddress makes it report those of the socket under it.
import { TLSSocket } from 'node:tls'
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
