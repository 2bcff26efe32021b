// The 'iocp' driver: model 6 as IOCP servers use it. One completion port per thread serves every
// connection and listener of the driver (CreateIoCompletionPort), one GetQueuedCompletionStatusEx
// loop dispatches its packets by key; listeners keep AcceptEx calls posted, connect() is ConnectEx,
// and an idle connection waits on a zero-byte WSARecv, so it holds no receive buffer: the bytes are
// read with recv() into a shared slab once the zero-byte receive says they are there.
import { CompletionPort, type CompletionPacket } from '../completion-port.js'
import { systemError, type WsmError } from '../errors.js'
import { Overlapped, acceptEx, connectEx, recvOverlapped, sendOverlapped } from '../overlapped.js'
import { Socket } from '../socket.js'
import { createConnection, type Connection, type ConnectionIo, type ConnectionSink } from './connection.js'
import { createListener, type Listener, type ListenerIo, type ListenerSink } from './listener.js'
import { setLoopRef } from './loop-ref.js'
import { receiveSpace, takeReceived } from './receive-slab.js'

// Packets taken per GetQueuedCompletionStatusEx.
const BATCH = 256
// AcceptEx calls kept posted on a listener (at most its backlog).
const ACCEPTS_POSTED = 16
// After an accept failed for want of resources (EMFILE, ENFILE, ENOBUFS), AcceptEx is posted again
// after this pause: at once, it would fail at once, in a loop that starves the process.
const ACCEPT_RETRY_MS = 100
// WSARecv's buffer for the zero-byte receive.
const NO_BUFFER = new Uint8Array(0)

type Route = (packet: CompletionPacket) => void

// The thread's completion port, made on first use, and where each key's packets go.
let port: CompletionPort | undefined
const routes = new Map<number, Route>()
let nextKey = 1

/** Associates `socket` with the port under a new key whose packets go to `route`. */
function associate(socket: Socket, route: Route): number {
  if (port === undefined) {
    port = new CompletionPort()
    void serve(port)
  }
  const key = nextKey++
  port.associate(socket, key)
  routes.set(key, route)
  return key
}

// The one GetQueuedCompletionStatusEx loop. A pending wait keeps nothing alive: the operations in
// flight do (or not, after unref()).
async function serve(p: CompletionPort): Promise<void> {
  for (;;) {
    const packets = await p.getQueuedCompletionStatusEx(BATCH)
    for (const packet of packets) {
      // Packets of a key already forgotten are those of a closed socket's cancelled operations.
      const route = routes.get(packet.key)
      if (route === undefined) continue
      try {
        route(packet)
      } catch (err) {
        // An exception of an event listener: uncaught, as from a net.Socket's, and the loop goes on.
        process.nextTick(() => {
          throw err
        })
      }
    }
  }
}

function isCancelled(packet: CompletionPacket): boolean {
  return packet.cause?.code === 'ECANCELED'
}

/** One connection's I/O: a zero-byte WSARecv while waiting for data, one WSASend at a time. */
function connectionIo(socket: Socket, key: number): (sink: ConnectionSink) => ConnectionIo {
  return (sink) => {
    const recv = new Overlapped()
    const send = new Overlapped()
    let closed = false
    // The zero-byte receive completed while the connection did not want data: read on receive().
    let readable = false

    const fail = (err: unknown): void => {
      if (!closed) sink.failed(err as WsmError)
    }
    // Data or the end is there: one recv() into the slab.
    const read = (): void => {
      readable = false
      let n: number
      const space = receiveSpace()
      try {
        n = socket.recv(space)
      } catch (err) {
        if ((err as WsmError).code === 'EWOULDBLOCK') wait()
        else fail(err)
        return
      }
      if (n === 0) sink.end()
      else sink.data(takeReceived(space, n))
    }
    const wait = (): void => {
      try {
        recvOverlapped(socket, NO_BUFFER, recv)
      } catch (err) {
        fail(err)
      }
    }

    routes.set(key, (packet) => {
      if (closed) return
      if (packet.error !== 0) {
        if (!isCancelled(packet)) fail(packet.cause)
      } else if (packet.overlapped === recv) {
        if (sink.wanted()) read()
        else readable = true
      } else if (packet.overlapped === send) {
        sink.sent()
      }
    })
    return {
      receive: () => {
        if (closed || recv.pending) return
        if (readable) read()
        else wait()
      },
      send: (buffers) => {
        try {
          sendOverlapped(socket, buffers.length === 1 ? buffers[0]! : buffers, send)
        } catch (err) {
          // Reported as a completion would be: after write() has returned.
          process.nextTick(fail, err)
        }
      },
      ref: (on) => setLoopRef(socket, on),
      close: () => {
        if (closed) return
        closed = true
        routes.delete(key)
        socket.close()
      },
    }
  }
}

/** A listener's I/O: ACCEPTS_POSTED AcceptEx calls kept posted. */
function listenerIo(listener: Socket, backlog: number): (sink: ListenerSink) => ListenerIo {
  return (sink) => {
    const pending = new Map<Overlapped, Socket>()
    let closed = false
    let retry: ReturnType<typeof setTimeout> | undefined

    const post = (): void => {
      const socket = Socket.tcp({ family: listener.family })
      const ov = new Overlapped()
      try {
        acceptEx(listener, socket, ov)
      } catch (err) {
        socket.close()
        sink.failed(err as WsmError)
        return
      }
      pending.set(ov, socket)
    }
    const key = associate(listener, (packet) => {
      const ov = packet.overlapped!
      const socket = pending.get(ov)
      if (socket === undefined) return
      pending.delete(ov)
      if (closed) {
        socket.close()
        return
      }
      if (packet.error !== 0) {
        socket.close()
        if (isCancelled(packet)) return
        sink.failed(packet.cause!)
        retry ??= setTimeout(() => {
          retry = undefined
          if (!closed) while (pending.size < Math.min(ACCEPTS_POSTED, backlog)) post()
        }, ACCEPT_RETRY_MS).unref()
        return
      }
      if (retry === undefined) post()
      sink.accepted(socket)
    })
    for (let i = 0; i < Math.min(ACCEPTS_POSTED, backlog); i++) post()
    return {
      ref: (on) => setLoopRef(listener, on),
      close: () => {
        if (closed) return
        closed = true
        if (retry) clearTimeout(retry)
        routes.delete(key)
        listener.close() // the AcceptEx calls in flight complete with ECANCELED, unheard
        for (const socket of pending.values()) socket.close()
        pending.clear()
      },
      connection: (socket) => connectionIo(socket, associate(socket, () => {})),
    }
  }
}

export function listenIocp(listener: Socket, backlog: number): Listener {
  return createListener(listener, 'iocp', listenerIo(listener, backlog))
}

/** ConnectEx, with a time-out (ETIMEDOUT) when `timeoutMs` is given. */
export function connectIocp(port: number, host: string, family: 4 | 6, timeoutMs: number | undefined): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const socket = Socket.tcp({ family })
    const ov = new Overlapped()
    let timer: ReturnType<typeof setTimeout> | undefined
    const key = associate(socket, (packet) => {
      if (timer) clearTimeout(timer)
      if (packet.error !== 0) {
        routes.delete(key)
        socket.close()
        reject(packet.cause)
        return
      }
      resolve(createConnection(socket, 'iocp', connectionIo(socket, key)))
    })
    try {
      connectEx(socket, port, host, ov)
    } catch (err) {
      routes.delete(key)
      socket.close()
      reject(err)
      return
    }
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        routes.delete(key)
        socket.close()
        reject(systemError(110, 'ConnectEx', `no connection within ${timeoutMs} ms`))
      }, timeoutMs)
    }
  })
}
