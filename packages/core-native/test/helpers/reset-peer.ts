// Connections whose far end is a Node `net` client, for the tests of resets: the core cannot send
// a TCP reset (RST), net.Socket#resetAndDestroy() does.
import { once } from 'node:events'
import net from 'node:net'
import { afterEach } from 'vitest'
import type { Socket } from '../../lib/index.js'
import { LOOPBACK, eventually, listener, track } from './sockets.js'

/** Winsock's number for a reset connection; the POSIX code is ECONNRESET. */
export const WSAECONNRESET = 10054
/** FD_CLOSE's error for the peer's reset, as Windows records it (recv and send give WSAECONNRESET). */
export const WSAECONNABORTED = 10053

const clients = new Set<net.Socket>()

export interface NodeClientPair {
  /** The accepted side, a core Socket (closed after the test, as every tracked socket). */
  socket: Socket
  /** The connecting side: a Node socket that reads nothing (paused), so the core's sends block. */
  client: net.Socket
}

export async function nodeClientPair(): Promise<NodeClientPair> {
  const server = listener(4)
  const client = net.connect(server.localPort, LOOPBACK[4])
  clients.add(client)
  client.on('error', () => {}) // the tests look at the core's side
  client.pause()
  await once(client, 'connect')
  const socket = track(await eventually(() => server.accept(), 'accept'))
  server.close()
  return { socket, client }
}

/** Destroys the Node clients after each test of the file. */
export function useNodeClientCleanup(): void {
  afterEach(() => {
    for (const c of clients) c.destroy()
    clients.clear()
  })
}
