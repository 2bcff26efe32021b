// A completion-port echo server for the tests, the classic way: AcceptEx posted ahead on the
// listener, each connection associated with the port under its own key, one
// GetQueuedCompletionStatusEx loop serving everything. Each connection has one receive and one
// send in flight at most (data arriving while a send runs waits, and no receive is posted until
// that send is done). It hashes what each connection received, so a test can compare.
import { createHash, type Hash } from 'node:crypto'
import {
  CompletionPort,
  Overlapped,
  Socket,
  WsmError,
  acceptEx,
  recvOverlapped,
  sendOverlapped,
  type CompletionPacket,
} from '../../lib/index.js'

export interface EchoConnection {
  /** The client's port, as the server sees it (remotePort of the accepted socket). */
  remotePort: number
  bytes: number
  /** sha256 (hex) of everything received, set when the connection ends. */
  sha256: string | null
  /** Why it ended: 'eof' for the peer's orderly close, else an error code. */
  end: string | null
}

export interface EchoServer {
  readonly port: number
  readonly connections: Map<number, EchoConnection>
  /** Unexpected failures inside the server loop (not connection errors). */
  readonly failures: unknown[]
  /** Closes the listener, the connections and the port; resolves when the loop has ended. */
  close(): Promise<void>
}

interface Conn {
  socket: Socket
  info: EchoConnection
  hash: Hash
  recv: Overlapped
  send: Overlapped
  buffer: Uint8Array
  stash: Uint8Array | null
}

const LISTENER_KEY = 0

export function startEchoServer(options: { family?: 4 | 6; acceptsPosted?: number; bufferSize?: number; batch?: number } = {}): EchoServer {
  const family = options.family ?? 4
  const bufferSize = options.bufferSize ?? 64 * 1024
  const port = new CompletionPort()
  const listener = Socket.tcp({ family })
  listener.bind(0, family === 4 ? '127.0.0.1' : '::1')
  listener.listen()
  port.associate(listener, LISTENER_KEY)
  const accepts = new Map<Overlapped, Socket>()
  const conns = new Map<number, Conn>()
  const connections = new Map<number, EchoConnection>()
  const failures: unknown[] = []
  let nextKey = 1
  let stopping = false

  function postAccept(): void {
    const socket = Socket.tcp({ family })
    const ov = new Overlapped()
    accepts.set(ov, socket)
    acceptEx(listener, socket, ov)
  }

  function finish(key: number, why: string): void {
    const c = conns.get(key)
    if (!c) return
    conns.delete(key)
    c.info.sha256 = c.hash.digest('hex')
    c.info.end = why
    c.socket.close()
  }

  function onAccepted(p: CompletionPacket): void {
    const socket = accepts.get(p.overlapped!)!
    accepts.delete(p.overlapped!)
    if (stopping || p.error) {
      socket.close()
      return
    }
    postAccept()
    const key = nextKey++
    const info: EchoConnection = { remotePort: socket.remotePort, bytes: 0, sha256: null, end: null }
    const c: Conn = {
      socket,
      info,
      hash: createHash('sha256'),
      recv: new Overlapped(),
      send: new Overlapped(),
      buffer: new Uint8Array(bufferSize),
      stash: null,
    }
    port.associate(socket, key)
    conns.set(key, c)
    connections.set(info.remotePort, info)
    recvOverlapped(socket, c.buffer, c.recv)
  }

  function echo(c: Conn, data: Uint8Array): void {
    sendOverlapped(c.socket, data, c.send) // copies: the receive buffer is free again at once
    recvOverlapped(c.socket, c.buffer, c.recv)
  }

  function onPacket(p: CompletionPacket): void {
    const c = conns.get(p.key)
    if (!c) return // a completion of a connection already finished
    if (p.error) {
      finish(p.key, p.cause?.code ?? String(p.error))
      return
    }
    if (p.overlapped === c.recv) {
      if (p.bytes === 0) {
        // The client sent everything and closed its side: the echoes owed are in flight; the
        // send completion (if one runs) ends it after.
        if (!c.send.pending) finish(p.key, 'eof')
        else c.stash = new Uint8Array(0)
        return
      }
      const data = c.buffer.subarray(0, p.bytes)
      c.hash.update(data)
      c.info.bytes += p.bytes
      if (c.send.pending) c.stash = data.slice()
      else echo(c, data)
    } else if (p.overlapped === c.send) {
      const stash = c.stash
      c.stash = null
      if (stash === null) return
      if (stash.length === 0) finish(p.key, 'eof')
      else echo(c, stash)
    }
  }

  const done = (async () => {
    for (let i = 0; i < (options.acceptsPosted ?? 32); i++) postAccept()
    while (!stopping) {
      let batch: CompletionPacket[]
      try {
        batch = await port.getQueuedCompletionStatusEx(options.batch ?? 256)
      } catch (e) {
        if (stopping && e instanceof WsmError) return
        throw e
      }
      for (const p of batch) {
        try {
          if (p.key === LISTENER_KEY) onAccepted(p)
          else onPacket(p)
        } catch (e) {
          failures.push(e)
        }
      }
    }
  })()
  done.catch((e) => failures.push(e))

  return {
    port: listener.localPort,
    connections,
    failures,
    async close() {
      stopping = true
      listener.close()
      for (const key of [...conns.keys()]) finish(key, 'closed')
      for (const s of accepts.values()) s.close()
      accepts.clear()
      port.close()
      await done.catch(() => {})
    },
  }
}
