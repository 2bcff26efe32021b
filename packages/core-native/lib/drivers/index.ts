// listen() and connect(): the drivers' entry points, one per model.
import { Socket } from '../socket.js'
import { connectAsyncSelect, listenAsyncSelect } from './async-select.js'
import type { Connection } from './connection.js'
import { connectCompletionRoutine, listenCompletionRoutine } from './completion-routine.js'
import { connectEventSelect, listenEventSelect } from './event-select.js'
import { connectIocp, listenIocp } from './iocp.js'
import type { Listener } from './listener.js'
import { checkModel, type Model } from './models.js'
import { checkBoolean, checkHost, checkInteger, checkOptions } from './options.js'
import { connectOverlappedEvent, listenOverlappedEvent } from './overlapped-event.js'
import { connectSelect, listenSelect } from './select.js'

export interface ListenOptions {
  /** The I/O model of the driver; 'iocp' by default. */
  model?: Model
  /** 0 (the default): a port the kernel picks (see Listener#address()). */
  port?: number
  /** An IPv4 or IPv6 literal or 'localhost'; omitted, every IPv4 interface (0.0.0.0). */
  host?: string
  /** The accept queue's length; 511 by default, as Node's. */
  backlog?: number
  /** SO_REUSEPORT: listeners in several processes share the port (Linux). */
  reusePort?: boolean
}

export interface ConnectOptions {
  model?: Model
  port: number
  /** An IPv4 or IPv6 literal or 'localhost' (the default). */
  host?: string
  /** Give up (ETIMEDOUT) after this many milliseconds; no limit by default (the kernel's). */
  timeoutMs?: number
}

const DEFAULT_BACKLOG = 511

/**
 * A listening TCP socket served by the model's driver. Synchronous: binding errors (EADDRINUSE,
 * EACCES) are thrown here.
 */
export function listen(options: ListenOptions = {}): Listener {
  const o = checkOptions(options)
  const port = o.port === undefined ? 0 : checkInteger('options.port', o.port, 0, 65535)
  const where = o.host === undefined ? undefined : checkHost('options.host', o.host)
  const backlog = o.backlog === undefined ? DEFAULT_BACKLOG : checkInteger('options.backlog', o.backlog, 1, 65535)
  const reusePort = o.reusePort === undefined ? false : checkBoolean('options.reusePort', o.reusePort)
  const model = checkModel(o.model)
  const socket = Socket.tcp({ family: where?.family ?? 4 })
  try {
    if (reusePort) socket.setReusePort(true)
    socket.bind(port, where?.host)
    socket.listen(backlog)
    switch (model) {
      case 'select':
        return listenSelect(socket)
      case 'event-select':
        return listenEventSelect(socket)
      case 'iocp':
        return listenIocp(socket, backlog)
      case 'overlapped-event':
        return listenOverlappedEvent(socket, backlog)
      case 'completion-routine':
        return listenCompletionRoutine(socket, backlog)
      case 'async-select':
        return listenAsyncSelect(socket)
      default:
        throw new Error(`unreachable: ${model satisfies never}`)
    }
  } catch (err) {
    socket.close()
    throw err
  }
}

/** A TCP connection made by the model's driver; rejects with ECONNREFUSED, ETIMEDOUT, ... */
export async function connect(options: ConnectOptions): Promise<Connection> {
  const o = checkOptions(options)
  const port = checkInteger('options.port', o.port, 1, 65535)
  const where = o.host === undefined ? { host: 'localhost', family: 4 as const } : checkHost('options.host', o.host)
  const timeoutMs = o.timeoutMs === undefined ? undefined : checkInteger('options.timeoutMs', o.timeoutMs, 1, 0x7fffffff)
  const model = checkModel(o.model)
  switch (model) {
    case 'select':
      return connectSelect(port, where.host, where.family, timeoutMs)
    case 'event-select':
      return connectEventSelect(port, where.host, where.family, timeoutMs)
    case 'iocp':
      return connectIocp(port, where.host, where.family, timeoutMs)
    case 'overlapped-event':
      return connectOverlappedEvent(port, where.host, where.family, timeoutMs)
    case 'completion-routine':
      return connectCompletionRoutine(port, where.host, where.family, timeoutMs)
    case 'async-select':
      return connectAsyncSelect(port, where.host, where.family, timeoutMs)
    default:
      throw new Error(`unreachable: ${model satisfies never}`)
  }
}

