// The classic Winsock select() echo server, made robust: one loop, one select() per turn over
// the listener and up to FD_SETSIZE - 1 clients, partial sends queued, a client that will not
// read its echoes stops being read from (backpressure), half-closed clients flushed then closed.
import { FD_SETSIZE, FdSet, Socket, WsmError, select } from '@wsm/core-native'
import { echoServer, openListener, type EchoServer, type EchoServerOptions } from './echo-server.js'
import { Outbox, receive } from './outbox.js'

export interface SelectServerOptions extends EchoServerOptions {
  /** Bytes of echo queued for one client before the server stops reading from it. */
  highWaterMark?: number
}

interface Client {
  socket: Socket
  name: string
  outbox: Outbox
  peerEnded: boolean
  received: number
}

const RECV_SIZE = 4096

export function startSelectServer(options: SelectServerOptions = {}): EchoServer {
  const log = options.log ?? (() => {})
  const highWaterMark = options.highWaterMark ?? 64 * 1024
  const listener = openListener(options)
  const clients = new Map<Socket, Client>()
  const stats = { accepted: 0, closed: 0, bytesEchoed: 0 }
  const recvBuffer = Buffer.allocUnsafe(RECV_SIZE)
  let stopping = false

  log(`listening on ${listener.localAddress}:${listener.localPort} (select, FD_SETSIZE ${FD_SETSIZE})`)

  function dropClient(client: Client, why: string): void {
    clients.delete(client.socket)
    client.socket.close()
    stats.closed++
    log(`${client.name} closed after ${client.received} bytes (${why}); ${clients.size} client(s) left`)
  }

  function acceptPending(): void {
    // The listener sits in the read set only while there is room, so FD_SETSIZE always holds.
    while (clients.size < FD_SETSIZE - 1) {
      const socket = listener.accept()
      if (!socket) return
      const client: Client = { socket, name: `${socket.remoteAddress}:${socket.remotePort}`, outbox: new Outbox(), peerEnded: false, received: 0 }
      clients.set(socket, client)
      stats.accepted++
      log(`accepted ${client.name} (${clients.size} client(s))`)
    }
  }

  function flush(client: Client): void {
    stats.bytesEchoed += client.outbox.flush(client.socket)
  }

  function serveReadable(client: Client): void {
    const data = receive(client.socket, recvBuffer)
    if (data === undefined) return
    if (data === null) {
      client.peerEnded = true
      log(`${client.name} finished sending`)
      return
    }
    client.received += data.length
    // Short messages are shown; bulk data only counted, in the line that closes the client.
    if (data.length <= 64) log(`${client.name} sent ${JSON.stringify(data.toString())}`)
    client.outbox.push(data)
    flush(client)
  }

  function serve(client: Client, readable: boolean, writable: boolean): void {
    try {
      if (writable) flush(client)
      if (readable) serveReadable(client)
      if (client.peerEnded && client.outbox.bytes === 0) dropClient(client, 'peer ended, echoes delivered')
    } catch (err) {
      // A reset or broken pipe ends this client, never the server.
      dropClient(client, err instanceof WsmError ? err.code : String(err))
    }
  }

  async function loop(): Promise<void> {
    while (!stopping) {
      const read = new FdSet()
      const write = new FdSet()
      if (clients.size < FD_SETSIZE - 1) read.add(listener)
      for (const client of clients.values()) {
        if (!client.peerEnded && client.outbox.bytes < highWaterMark) read.add(client.socket)
        if (client.outbox.bytes > 0) write.add(client.socket)
      }
      try {
        await select({ read, write })
      } catch (err) {
        // close() closes the sockets under the pending select: one only in the write set makes it
        // reject with ENOTSOCK (one in the read set comes back there, as on Windows: see below).
        if (stopping && err instanceof WsmError && err.code === 'ENOTSOCK') return
        throw err
      }
      if (stopping) return // the sockets the select returned are closed
      if (read.has(listener)) acceptPending()
      for (const client of [...clients.values()]) {
        const readable = read.has(client.socket)
        const writable = write.has(client.socket)
        if (readable || writable) serve(client, readable, writable)
      }
    }
  }

  const done = loop()
  return echoServer(listener, stats, done, () => {
    stopping = true
    for (const client of [...clients.values()]) dropClient(client, 'server closing')
    listener.close()
  }, log)
}
