// A listening socket served by a driver: hands out Connections, counts them, and closes without
// touching the ones that are open. What differs per model (how connections are accepted) is the
// driver's ListenerIo.
import { EventEmitter } from 'node:events'
import { illegalConstructor, invalidThis, invalidType, invalidValue, isCallable, type WsmError } from '../errors.js'
import type { Socket, SocketAddress } from '../socket.js'
import { createConnection, type Connection, type ConnectionIo, type ConnectionSink } from './connection.js'
import type { Model } from './models.js'

export interface ListenerEventMap {
  connection: [connection: Connection]
  /** A connection closed at once because `maxConnections` were open. */
  drop: [remote: { remoteAddress: string; remotePort: number }]
  /** Accepting failed (EMFILE, ...); the listener keeps listening. */
  error: [err: WsmError]
  /** After close(), once the last connection has closed (after its own 'close'). */
  close: []
}

/** What a driver tells its listener. */
export interface ListenerSink {
  /** A new connection; the listener takes the socket. */
  accepted(socket: Socket): void
  /** An accept failed; the driver goes on accepting. */
  failed(err: WsmError): void
}

/** The model-specific half of a Listener: how its driver accepts. */
export interface ListenerIo {
  ref(on: boolean): void
  /** Stops accepting and closes the listening socket; nothing is reported to the sink afterwards. */
  close(): void
  /** The I/O of a connection accepted on this listener. */
  connection(socket: Socket): (sink: ConnectionSink) => ConnectionIo
}

export interface ListenerAddress {
  address: string
  port: number
  family: 'IPv4' | 'IPv6'
}

let make: (socket: Socket, model: Model, io: (sink: ListenerSink) => ListenerIo) => Listener
let isListener: (value: unknown) => value is Listener
const CONSTRUCT = Symbol('Listener')

/** A TCP listener, the same for every model's driver (made by listen()). */
export class Listener extends EventEmitter<ListenerEventMap> {
  readonly model: Model
  #io!: ListenerIo
  readonly #address: ListenerAddress
  // A count, not a set of the connections: an idle connection's memory is counted by the idle
  // benchmark, and nothing here needs to reach them (close() leaves them open, as net.Server's).
  #open = 0
  // One function for every connection of this listener (not a closure each): called once per connection, at its close.
  readonly #connectionClosed = (): void => {
    this.#open--
    this.#maybeClosed()
  }
  #maxConnections = Infinity
  #listening = true
  #closeEmitted = false

  static {
    make = (socket, model, io) => {
      const l = new Listener(CONSTRUCT, socket, model)
      l.#io = io({ accepted: (s) => l.#accepted(s), failed: (err) => l.emit('error', err) })
      return l
    }
    isListener = (value): value is Listener => typeof value === 'object' && value !== null && #open in value
  }

  /** @internal Listeners are made by listen(). */
  constructor(token: symbol, socket: Socket, model: Model) {
    if (token !== CONSTRUCT) throw illegalConstructor('Listener', 'listen()')
    super()
    this.model = model
    const a = socket.address()
    this.#address = { address: a.address, port: a.port, family: a.family === 6 ? 'IPv6' : 'IPv4' }
  }

  /** The bound address, as net.Server#address() gives it. */
  address(): ListenerAddress {
    if (!isListener(this)) throw invalidThis('Listener')
    return { ...this.#address }
  }

  /** Open connections accepted here (each counted until its 'close' is emitted). */
  get connections(): number {
    if (!isListener(this)) throw invalidThis('Listener')
    return this.#open
  }

  get listening(): boolean {
    if (!isListener(this)) throw invalidThis('Listener')
    return this.#listening
  }

  /** Connections past this many are closed as soon as accepted ('drop'). Infinity by default. */
  get maxConnections(): number {
    if (!isListener(this)) throw invalidThis('Listener')
    return this.#maxConnections
  }

  set maxConnections(value: number) {
    if (!isListener(this)) throw invalidThis('Listener')
    if (typeof value !== 'number') throw invalidType('maxConnections', 'a number', value)
    if (!(value >= 0) || (!Number.isInteger(value) && value !== Infinity)) {
      throw invalidValue('maxConnections', 'a non-negative integer or Infinity', value)
    }
    this.#maxConnections = value
  }

  /**
   * Stops accepting; open connections live on. 'close' (and `callback`) come once the last of
   * them has closed. Idempotent.
   */
  close(callback?: () => void): this {
    if (!isListener(this)) throw invalidThis('Listener')
    if (callback !== undefined && !isCallable(callback)) throw invalidType('callback', 'a function', callback)
    if (callback) {
      if (this.#closeEmitted) process.nextTick(callback)
      else this.once('close', callback)
    }
    if (!this.#listening) return this
    this.#listening = false
    this.#io.close()
    this.#maybeClosed()
    return this
  }

  /** Keeps the process alive while listening (the default). */
  ref(): this {
    if (!isListener(this)) throw invalidThis('Listener')
    if (this.#listening) this.#io.ref(true)
    return this
  }

  /** Lets the process exit even though this listener is open. */
  unref(): this {
    if (!isListener(this)) throw invalidThis('Listener')
    if (this.#listening) this.#io.ref(false)
    return this
  }

  #accepted(socket: Socket): void {
    let remote: SocketAddress
    try {
      remote = socket.remote()
    } catch (err) {
      // ENOTCONN: the peer reset the connection before it got here. It died in the backlog, as
      // one accept() reports ECONNABORTED for (and the engines skip): no failure of the listener,
      // and no one to tell (test/drivers-accept-reset.test.ts).
      socket.close()
      if ((err as WsmError).code === 'ENOTCONN') return
      throw err
    }
    if (this.#open >= this.#maxConnections) {
      socket.close()
      this.emit('drop', { remoteAddress: remote.address, remotePort: remote.port })
      return
    }
    const c = createConnection(socket, remote, this.model, this.#io.connection(socket), this.#connectionClosed)
    this.#open++
    this.emit('connection', c)
  }

  #maybeClosed(): void {
    if (this.#listening || this.#open > 0 || this.#closeEmitted) return
    this.#closeEmitted = true
    process.nextTick(() => this.emit('close'))
  }
}

/** @internal For the drivers: a listener over `socket` (listening), served by `io`. */
export function createListener(socket: Socket, model: Model, io: (sink: ListenerSink) => ListenerIo): Listener {
  return make(socket, model, io)
}
