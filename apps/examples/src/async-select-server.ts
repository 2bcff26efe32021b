// The classic WSAAsyncSelect echo server (model 2): the listener and every client post their
// network events as messages to one window, whose procedure does all the work. One recv per
// FD_READ (Winsock records FD_READ again if data remains); sends that would block wait for
// FD_WRITE; a client whose echoes pile up is not read from until they drain (FD_READ is only
// re-enabled by the next recv, so not calling recv is the backpressure).
import {
  FD_ACCEPT,
  FD_CLOSE,
  FD_READ,
  FD_WRITE,
  MessageWindow,
  Socket,
  WsmError,
  asyncSelect,
} from '@wsm/core-native'
import { echoServer, openListener, type EchoServer, type EchoServerOptions } from './echo-server.js'
import { Outbox, receive } from './outbox.js'

export interface AsyncSelectServerOptions extends EchoServerOptions {
  /** Bytes of echo queued for one client before the server stops reading from it. */
  highWaterMark?: number
}

const WM_USER = 0x0400
const WM_SOCKET = WM_USER + 1

interface Client {
  name: string
  outbox: Outbox
  peerClosed: boolean
}

export function startAsyncSelectServer(options: AsyncSelectServerOptions = {}): EchoServer {
  const log = options.log ?? (() => {})
  const highWaterMark = options.highWaterMark ?? 64 * 1024
  const listener = openListener(options)
  const clients = new Map<Socket, Client>()
  const stats = { accepted: 0, closed: 0, bytesEchoed: 0 }
  const recvBuffer = Buffer.allocUnsafe(16 * 1024)
  let resolveDone!: () => void
  const done = new Promise<void>((resolve) => (resolveDone = resolve))
  let stopping = false

  function drop(socket: Socket, client: Client, why: string): void {
    if (!clients.delete(socket)) return
    socket.close() // no message is posted for a closed socket
    stats.closed++
    log(`${client.name} closed (${why})`)
  }

  // Sends what is queued; false if the kernel's buffer filled (FD_WRITE will say when to go on).
  function flush(socket: Socket, client: Client): boolean {
    stats.bytesEchoed += client.outbox.flush(socket)
    return client.outbox.bytes === 0
  }

  // One recv: its data is queued for echo. Returns false at the end of the stream.
  function receiveInto(socket: Socket, client: Client): boolean {
    const data = receive(socket, recvBuffer)
    if (data === null) return false
    if (data) client.outbox.push(data)
    return true
  }

  function onClientEvent(socket: Socket, client: Client, event: number): void {
    switch (event) {
      case FD_READ:
        if (client.outbox.bytes >= highWaterMark) return // backpressure: no recv, no new FD_READ
        if (!receiveInto(socket, client)) client.peerClosed = true
        flush(socket, client)
        break
      case FD_WRITE:
        if (flush(socket, client) && !client.peerClosed && !receiveInto(socket, client)) client.peerClosed = true // resume reading
        break
      case FD_CLOSE:
        // Winsock's advice: FD_CLOSE may come with data still unread. Take it all, echo it.
        while (receiveInto(socket, client) && client.outbox.bytes > 0 && client.outbox.bytes < highWaterMark * 4) {
          if (!flush(socket, client)) break
        }
        client.peerClosed = true
        flush(socket, client)
        break
    }
    if (client.peerClosed && client.outbox.bytes === 0) drop(socket, client, 'peer closed, echoes delivered')
  }

  const window = new MessageWindow((msg, socket, event, error) => {
    if (msg !== WM_SOCKET || stopping) return
    if (socket === listener) {
      if (event === FD_ACCEPT && !error) {
        const accepted = socket.accept() // inherits the listener's selection; re-selected below
        if (!accepted) return
        const client: Client = { name: `${accepted.remoteAddress}:${accepted.remotePort}`, outbox: new Outbox(), peerClosed: false }
        clients.set(accepted, client)
        stats.accepted++
        log(`accepted ${client.name}`)
        asyncSelect(accepted, window, WM_SOCKET, FD_READ | FD_WRITE | FD_CLOSE)
      }
      return
    }
    const client = clients.get(socket)
    if (!client) return
    if (error) {
      drop(socket, client, `error ${error}`)
      return
    }
    try {
      onClientEvent(socket, client, event)
    } catch (err) {
      drop(socket, client, err instanceof WsmError ? err.code : String(err))
    }
  })
  asyncSelect(listener, window, WM_SOCKET, FD_ACCEPT | FD_CLOSE)
  log(`listening on ${listener.localAddress}:${listener.localPort} (WSAAsyncSelect)`)

  return echoServer(listener, stats, done, () => {
    stopping = true
    window.close()
    for (const [socket, client] of [...clients]) drop(socket, client, 'server closing')
    listener.close()
    resolveDone()
  }, log)
}
