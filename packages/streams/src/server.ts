// Server: net.Server's shape over a core Listener of any model. Each accepted Connection becomes a
// Socket; the server counts its sockets itself, so that close(cb) and getConnections() see a
// socket until its own 'close'.
import { EventEmitter } from 'node:events'
import { promisify } from 'node:util'
import { listen as listenDriver, type Connection, type Listener, type ListenerAddress, type Model } from '@wsm/core-native'
import {
  checkHost,
  checkModel,
  checkNonNegative,
  checkObject,
  checkPort,
  optionalBoolean,
  optionalFunction,
  splitArgs,
} from './args.js'
import { serverAlreadyListening, serverNotRunning } from './errors.js'
import { adoptConnection, Socket } from './socket.js'

export interface ServerOptions {
  /** The driver that accepts and serves the connections: one of the six models, 'iocp' by default. */
  model?: Model
  /** Given to each accepted socket (false by default). */
  allowHalfOpen?: boolean
  /** Accepted sockets start paused: no receive is posted until socket.resume(). */
  pauseOnConnect?: boolean
  noDelay?: boolean
  keepAlive?: boolean
  keepAliveInitialDelay?: number
  /** Both high-water marks of each accepted socket. */
  highWaterMark?: number
}

export interface ServerListenOptions {
  port?: number | string
  /** An IP literal or 'localhost'; omitted, every IPv4 interface. */
  host?: string
  backlog?: number
  /** SO_REUSEPORT: listeners in several processes share the port (Linux). */
  reusePort?: boolean
}

/** What 'drop' carries, as net.Server's. */
export interface DropInfo {
  localAddress: string
  localPort: number
  localFamily: 'IPv4' | 'IPv6'
  remoteAddress: string
  remotePort: number
  remoteFamily: 'IPv4' | 'IPv6'
}

/** A TCP server like net.Server: 'listening', 'connection', 'drop', 'error', 'close'. */
export class Server extends EventEmitter {
  readonly #model: Model
  readonly #socketOptions: Record<string, unknown>
  readonly #pauseOnConnect: boolean
  #listener: Listener | null = null
  #listenerClosed = true
  #sockets = 0
  #maxConnections = Infinity
  #refed = true
  #closeScheduled = false

  constructor(options?: ServerOptions | ((socket: Socket) => void), connectionListener?: (socket: Socket) => void) {
    super()
    if (typeof options === 'function') {
      connectionListener = options
      options = {}
    }
    const o = checkObject('options', options ?? {})
    this.#model = checkModel('options.model', o.model)
    this.#pauseOnConnect = optionalBoolean('options.pauseOnConnect', o.pauseOnConnect) ?? false
    const hwm = o.highWaterMark === undefined ? undefined : checkNonNegative('options.highWaterMark', o.highWaterMark)
    this.#socketOptions = {
      allowHalfOpen: optionalBoolean('options.allowHalfOpen', o.allowHalfOpen) ?? false,
      noDelay: optionalBoolean('options.noDelay', o.noDelay),
      keepAlive: optionalBoolean('options.keepAlive', o.keepAlive),
      keepAliveInitialDelay:
        o.keepAliveInitialDelay === undefined ? undefined : checkNonNegative('options.keepAliveInitialDelay', o.keepAliveInitialDelay),
      highWaterMark: hwm,
    }
    const listener = optionalFunction<(socket: Socket) => void>('connectionListener', connectionListener)
    if (listener) this.on('connection', listener)
  }

  /**
   * `listen(port?, host?, backlog?, callback?)` or `listen({ port, host, backlog, reusePort }, callback?)`.
   * 'listening' follows on the next tick; a bind error (EADDRINUSE, EACCES) is emitted as 'error', as net does.
   */
  listen(options?: ServerListenOptions, callback?: () => void): this
  listen(port?: number | string, host?: string, backlog?: number, callback?: () => void): this
  listen(port: number | string, host: string, callback?: () => void): this
  listen(port: number | string, callback?: () => void): this
  listen(callback?: () => void): this
  listen(...args: unknown[]): this {
    const { options, callback } = splitArgs(args, ['port', 'host', 'backlog'])
    const o = checkObject('options', options)
    const port = o.port === undefined ? 0 : checkPort('options.port', o.port, true)
    const host = checkHost('options.host', o.host)
    const backlog = o.backlog === undefined ? undefined : checkNonNegative('options.backlog', o.backlog)
    const reusePort = optionalBoolean('options.reusePort', o.reusePort)
    const listening = optionalFunction<() => void>('callback', callback)
    if (this.#listener !== null) throw serverAlreadyListening()
    if (listening) this.once('listening', listening)
    let listener: Listener
    try {
      listener = listenDriver({ model: this.#model, port, host, backlog: backlog === undefined ? undefined : Math.max(1, Math.trunc(backlog)), reusePort })
    } catch (err) {
      process.nextTick(() => this.emit('error', err))
      return this
    }
    this.#listener = listener
    this.#listenerClosed = false
    listener.maxConnections = this.#maxConnections
    if (!this.#refed) listener.unref()
    listener.on('connection', (c) => this.#accepted(c))
    listener.on('drop', (remote) => this.#dropped(listener, remote))
    listener.on('error', (err) => this.emit('error', err))
    listener.on('close', () => {
      this.#listenerClosed = true
      this.#maybeClosed()
    })
    process.nextTick(() => this.emit('listening'))
    return this
  }

  /** The bound address ({ address, family, port }), or null when not listening. */
  address(): ListenerAddress | null {
    return this.#listener?.address() ?? null
  }

  get listening(): boolean {
    return this.#listener !== null
  }

  /** Connections past this many are closed as soon as accepted, with 'drop'. Infinity by default. */
  get maxConnections(): number {
    return this.#maxConnections
  }

  set maxConnections(value: number) {
    this.#maxConnections = Math.floor(checkNonNegative('maxConnections', value, true))
    if (this.#listener !== null) this.#listener.maxConnections = this.#maxConnections
  }

  /** The number of open sockets, on the next tick, as net's. */
  getConnections(callback: (err: Error | null, count: number) => void): this {
    const cb = optionalFunction<(err: Error | null, count: number) => void>('callback', callback)
    const count = this.#sockets
    if (cb) process.nextTick(cb, null, count)
    return this
  }

  /**
   * Stops accepting at once; open sockets live on, and 'close' (and `callback`) come after the
   * last of them has closed. Not listening: `callback` gets ERR_SERVER_NOT_RUNNING.
   */
  close(callback?: (err?: Error) => void): this {
    const cb = optionalFunction<(err?: Error) => void>('callback', callback)
    if (cb) {
      if (this.#listener === null) this.once('close', () => cb(serverNotRunning()))
      else this.once('close', cb)
    }
    const listener = this.#listener
    this.#listener = null
    if (listener !== null) listener.close()
    else process.nextTick(() => this.#maybeClosed())
    return this
  }

  ref(): this {
    this.#refed = true
    this.#listener?.ref()
    return this
  }

  unref(): this {
    this.#refed = false
    this.#listener?.unref()
    return this
  }

  /** `await using server = createServer(...)`: closes and waits for the sockets, if listening. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#listener === null) return
    await promisify((cb: (err?: Error) => void) => this.close(cb))()
  }

  #accepted(c: Connection): void {
    const socket = new Socket(this.#socketOptions)
    adoptConnection(socket, c, this.#pauseOnConnect)
    socket.server = this
    this.#sockets++
    socket.once('close', () => {
      this.#sockets--
      this.#maybeClosed()
    })
    this.emit('connection', socket)
  }

  #dropped(listener: Listener, remote: { remoteAddress: string; remotePort: number }): void {
    const local = listener.address()
    const info: DropInfo = {
      localAddress: local.address,
      localPort: local.port,
      localFamily: local.family,
      remoteAddress: remote.remoteAddress,
      remotePort: remote.remotePort,
      remoteFamily: local.family,
    }
    this.emit('drop', info)
  }

  // 'close' once the listening socket and every socket accepted on it are closed; on the next
  // tick, as net's, so it follows the last socket's own 'close' listeners.
  #maybeClosed(): void {
    if (this.#closeScheduled || this.#listener !== null || !this.#listenerClosed || this.#sockets > 0) return
    this.#closeScheduled = true
    process.nextTick(() => {
      this.#closeScheduled = false
      this.emit('close')
    })
  }
}
