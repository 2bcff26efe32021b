// The classic I/O completion port echo server: AcceptEx posted ahead on the listener, every
// connection associated with the port under its own key, one GetQueuedCompletionStatusEx loop
// serving them all. Each connection keeps one receive and one send in flight; data that arrives
// while a send is still going waits in one slot, and no new receive is posted until that send is
// done, so a client that does not read its echoes cannot make the server buffer without bound.
import { CompletionPort, Overlapped, Socket, WsmError, acceptEx, recvOverlapped, sendOverlapped, type CompletionPacket } from '@wsm/core-native'
import { echoServer, openListener, type EchoServer, type EchoServerOptions } from './echo-server.js'

export interface IocpServerOptions extends EchoServerOptions {
  /** AcceptEx calls kept posted on the listener. */
  acceptsPosted?: number
  /** Receive buffer per connection. */
  bufferSize?: number
  /** Packets taken per GetQueuedCompletionStatusEx. */
  batch?: number
}

interface Connection {
  socket: Socket
  name: string
  recv: Overlapped
  send: Overlapped
  buffer: Buffer
  // Bytes received while the previous send was still in flight.
  stash: Buffer | null
}

const LISTENER_KEY = 0

export function startIocpServer(options: IocpServerOptions = {}): EchoServer {
  const log = options.log ?? (() => {})
  const bufferSize = options.bufferSize ?? 16 * 1024
  const batch = options.batch ?? 128
  const port = new CompletionPort()
  const listener = openListener(options)
  port.associate(listener, LISTENER_KEY)
  const accepts = new Map<Overlapped, Socket>()
  const connections = new Map<number, Connection>()
  const stats = { accepted: 0, closed: 0, bytesEchoed: 0 }
  let nextKey = 1
  let stopping = false

  log(`listening on ${listener.localAddress}:${listener.localPort} (completion port)`)

  function postAccept(): void {
    const socket = Socket.tcp({ family: listener.family })
    const ov = new Overlapped()
    accepts.set(ov, socket)
    acceptEx(listener, socket, ov)
  }

  function drop(conn: Connection, key: number, why: string): void {
    if (!connections.delete(key)) return
    conn.socket.close() // its operations in flight complete with ECANCELED and are ignored
    stats.closed++
    log(`${conn.name} closed (${why})`)
  }

  // Posts an operation of `conn`; one that fails at the call (WSARecv/WSASend on a reset
  // connection return SOCKET_ERROR) drops the connection. False then.
  function post(conn: Connection, key: number, io: () => void): boolean {
    try {
      io()
      return true
    } catch (err) {
      drop(conn, key, err instanceof WsmError ? err.code : String(err))
      return false
    }
  }

  function send(conn: Connection, key: number, data: Buffer): boolean {
    if (!post(conn, key, () => sendOverlapped(conn.socket, data, conn.send))) return false
    stats.bytesEchoed += data.length
    return true
  }

  function receive(conn: Connection, key: number): void {
    post(conn, key, () => recvOverlapped(conn.socket, conn.buffer, conn.recv))
  }

  function onAccepted(packet: CompletionPacket): void {
    const ov = packet.overlapped!
    const socket = accepts.get(ov)!
    accepts.delete(ov)
    if (stopping) {
      socket.close()
      return
    }
    postAccept()
    if (packet.error) {
      socket.close()
      return
    }
    const key = nextKey++
    const conn: Connection = {
      socket,
      name: `${socket.remoteAddress}:${socket.remotePort}`,
      recv: new Overlapped(),
      send: new Overlapped(),
      buffer: Buffer.allocUnsafe(bufferSize),
      stash: null,
    }
    socket.setNoDelay(true)
    port.associate(socket, key)
    connections.set(key, conn)
    stats.accepted++
    log(`accepted ${conn.name}`)
    receive(conn, key)
  }

  function onConnectionPacket(packet: CompletionPacket): void {
    const conn = connections.get(packet.key)
    if (!conn) return // completions of a connection already closed
    if (packet.error) {
      drop(conn, packet.key, packet.cause?.code ?? String(packet.error))
      return
    }
    if (packet.overlapped === conn.recv) {
      if (packet.bytes === 0) {
        drop(conn, packet.key, 'peer closed')
        return
      }
      const data = conn.buffer.subarray(0, packet.bytes)
      if (conn.send.pending) {
        // sendOverlapped copies, but one send at a time keeps memory bounded: park the bytes and
        // post no receive until the send in flight is done.
        conn.stash = Buffer.from(data)
        return
      }
      if (send(conn, packet.key, data)) receive(conn, packet.key)
    } else if (packet.overlapped === conn.send && conn.stash) {
      const data = conn.stash
      conn.stash = null
      if (send(conn, packet.key, data)) receive(conn, packet.key)
    }
  }

  async function loop(): Promise<void> {
    for (let i = 0; i < (options.acceptsPosted ?? 16); i++) postAccept()
    while (!stopping) {
      let packets: CompletionPacket[]
      try {
        packets = await port.getQueuedCompletionStatusEx(batch)
      } catch (err) {
        if (stopping && err instanceof WsmError) return // close() closed the port under the wait
        throw err
      }
      for (const packet of packets) {
        if (packet.key === LISTENER_KEY) onAccepted(packet)
        else onConnectionPacket(packet)
      }
    }
  }

  const done = loop()
  return echoServer(listener, stats, done, () => {
    stopping = true
    listener.close()
    for (const socket of accepts.values()) socket.close()
    for (const [key, conn] of [...connections]) drop(conn, key, 'server closing')
    port.close()
  }, log)
}
