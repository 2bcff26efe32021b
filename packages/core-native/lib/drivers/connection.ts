// One TCP connection served by a driver: the write queue, half-close, pause/resume and the events,
// the same for every model. What differs per model (how bytes are received and sent) is the
// driver's ConnectionIo.
import { EventEmitter } from 'node:events'
import { illegalConstructor, invalidThis, invalidType, isCallable, systemError, type WsmError } from '../errors.js'
import type { Socket, SocketAddress } from '../socket.js'
import type { Model } from './models.js'

/** The events of a Connection, with their arguments. */
export interface ConnectionEventMap {
  /** Bytes received; the Buffer is the listener's to keep. */
  data: [chunk: Buffer]
  /** The queued bytes went out after a write() returned false. */
  drain: []
  /** The peer ended its side (FIN); writing may go on until end(). */
  end: []
  /** end() took effect: every queued byte was sent, then the send side was shut down. */
  finish: []
  error: [err: WsmError]
  /** Last event; hadError tells whether an 'error' came before it. */
  close: [hadError: boolean]
}

/** What a driver tells its connection. */
export interface ConnectionSink {
  /** Does the connection want bytes now (not paused, not destroyed)? A driver reports none while it does not. */
  wanted(): boolean
  /** Bytes received (after a receive() request). */
  data(chunk: Buffer): void
  /** The peer's FIN (after a receive() request). */
  end(): void
  /** The send started by send() has completed, every byte of it. */
  sent(): void
  /** A receive or send failed: the connection is destroyed with `err`. */
  failed(err: WsmError): void
}

/** The model-specific half of a Connection: how its driver receives and sends. */
export interface ConnectionIo {
  /**
   * Asks for the next received bytes, the end or an error, reported once to the sink, and only
   * while it wants them (else kept until the next receive()). Idempotent while one is asked for.
   */
  receive(): void
  /**
   * Sends `buffers` as one operation (writev); the sink hears `sent` once all are sent, never inside
   * send() (write callbacks must not run inside write()). One at a time.
   */
  send(buffers: Uint8Array[]): void
  /** Whether this connection's operations in flight keep the process alive. */
  ref(on: boolean): void
  /** Cancels what is in flight (never reported to the sink afterwards) and closes the socket. */
  close(): void
}

/** Called when a write's bytes are sent (null), or with why they never will be. */
export type WriteCallback = (err: WsmError | null) => void

const ECANCELED = 125

/**
 * Node 22's default high-water mark of a socket (64 KiB). Not the 16 KiB of Node 20: the io_uring
 * engine receives in 16 KiB pieces, and an echo would pause its connection after every one.
 */
export const DEFAULT_HIGH_WATER_MARK = 64 * 1024
// WSASend takes at most this many WSABUFs (the kernel's IOV_MAX); a longer queue goes in several sends.
const MAX_BUFFERS_PER_SEND = 1024

let make: (
  socket: Socket,
  remote: SocketAddress,
  model: Model,
  io: (sink: ConnectionSink) => ConnectionIo,
  onClose: (c: Connection) => void,
) => Connection
let isConnection: (value: unknown) => value is Connection
const CONSTRUCT = Symbol('Connection')

// Connection#flags bits.
const NEED_DRAIN = 1
const ENDING = 2
const SHUT_DOWN = 4
const FINISHED = 8
const PAUSED = 16
const READ_ENDED = 32
const DESTROYED = 64

// The address strings last stored. A listener's connections share its local address, and the
// connections of a client behind a proxy or a balancer one remote address: storing the string
// already held, not a new copy from the native call, saves 32 bytes per connection for each.
let lastAddress = ''
let lastButOneAddress = ''
function sameAddress(address: string): string {
  if (address === lastAddress) return lastAddress
  if (address === lastButOneAddress) return lastButOneAddress
  lastButOneAddress = lastAddress
  lastAddress = address
  return address
}

/**
 * A connection's table of listeners (EventEmitter's `_events`). EventEmitter starts with
 * `{ __proto__: null }`, which V8 keeps as a dictionary of about 180 bytes; an object made with
 * a connection's events as its first keys is a small fast one (Node's streams do the same), and its
 * prototype has no keys, so 'toString' or 'constructor' are no events. EventEmitter's emit() and
 * listenerCount() skip keys that hold undefined; eventNames() is Connection's own, as it is
 * Stream's (test/drivers-events.test.ts, "listener table").
 */
class ListenerTable {
  data = undefined
  end = undefined
  error = undefined
  close = undefined
  drain = undefined
  finish = undefined
}
Object.setPrototypeOf(ListenerTable.prototype, null)
delete (ListenerTable.prototype as { constructor?: unknown }).constructor

/**
 * A TCP connection, the same for every model's driver. Receiving starts at once (the first bytes
 * reach 'data' listeners added in the 'connection' handler or right after connect() resolved);
 * pause() stops receiving from the kernel, so that a fast peer is held back by TCP itself.
 */
export class Connection extends EventEmitter<ConnectionEventMap> {
  /** Which model's driver serves this connection. */
  readonly model: Model
  readonly #socket: Socket
  #io!: ConnectionIo
  #onClose!: (c: Connection) => void
  // Fields, not objects: an idle connection's memory is counted by the idle benchmark.
  readonly #localAddress: string
  readonly #localPort: number
  readonly #remoteAddress: string
  readonly #remotePort: number
  readonly #remoteFamily: 4 | 6
  #highWaterMark = DEFAULT_HIGH_WATER_MARK

  // Sending: one send in flight; writes made meanwhile wait in #queue and go out
  // together, as one writev, when it completes.
  #inFlight = 0
  #queue: Uint8Array[] | null = null // made by the first write that has to wait
  #queued = 0
  // The yes/no states, as bits of one field (an idle connection's memory is counted by the idle
  // benchmark), read and set through the accessors below.
  #flags = 0
  #bytesRead = 0
  #bytesWritten = 0
  // Bytes ever accepted by write(); a write's callback runs once #bytesWritten reaches its end.
  #bytesAccepted = 0
  #callbacks: Array<{ end: number; onWritten: WriteCallback }> | null = null // made by the first write with one

  static {
    // What the driver tells the connection: one small object, not a closure per notification
    // (an idle connection's memory is counted by the idle benchmark).
    class Sink implements ConnectionSink {
      readonly #c: Connection
      constructor(c: Connection) {
        this.#c = c
      }
      wanted(): boolean {
        const c = this.#c
        return !c.#paused && !c.#destroyed && !c.#readEnded
      }
      data(chunk: Buffer): void {
        this.#c.#data(chunk)
      }
      end(): void {
        this.#c.#end()
      }
      sent(): void {
        this.#c.#sent()
      }
      failed(err: WsmError): void {
        this.#c.destroy(err)
      }
    }
    make = (socket, remote, model, io, onClose) => {
      const c = new Connection(CONSTRUCT, socket, remote, model)
      c.#onClose = onClose
      c.#io = io(new Sink(c))
      c.#receive()
      return c
    }
    isConnection = (value): value is Connection => typeof value === 'object' && value !== null && #socket in value
  }

  // Sending: a write passed the high-water mark ('drain' is owed); end() was called; the send side
  // is shut down; 'finish' was emitted.
  get #needDrain(): boolean { return (this.#flags & NEED_DRAIN) !== 0 }
  set #needDrain(on: boolean) { this.#flags = on ? this.#flags | NEED_DRAIN : this.#flags & ~NEED_DRAIN }
  get #ending(): boolean { return (this.#flags & ENDING) !== 0 }
  set #ending(on: boolean) { this.#flags = on ? this.#flags | ENDING : this.#flags & ~ENDING }
  get #shutDown(): boolean { return (this.#flags & SHUT_DOWN) !== 0 }
  set #shutDown(on: boolean) { this.#flags = on ? this.#flags | SHUT_DOWN : this.#flags & ~SHUT_DOWN }
  get #finished(): boolean { return (this.#flags & FINISHED) !== 0 }
  set #finished(on: boolean) { this.#flags = on ? this.#flags | FINISHED : this.#flags & ~FINISHED }
  // Receiving: pause() was called; the peer's end was received.
  get #paused(): boolean { return (this.#flags & PAUSED) !== 0 }
  set #paused(on: boolean) { this.#flags = on ? this.#flags | PAUSED : this.#flags & ~PAUSED }
  get #readEnded(): boolean { return (this.#flags & READ_ENDED) !== 0 }
  set #readEnded(on: boolean) { this.#flags = on ? this.#flags | READ_ENDED : this.#flags & ~READ_ENDED }
  get #destroyed(): boolean { return (this.#flags & DESTROYED) !== 0 }
  set #destroyed(on: boolean) { this.#flags = on ? this.#flags | DESTROYED : this.#flags & ~DESTROYED }

  /** EventEmitter's, without the listener table's keys that hold no listener (see ListenerTable). */
  override eventNames(): ReturnType<EventEmitter<ConnectionEventMap>['eventNames']> {
    if (!isConnection(this)) throw invalidThis('Connection')
    const table = (this as unknown as { _events: Record<string | symbol, unknown> })._events
    return Reflect.ownKeys(table).filter((name) => table[name] !== undefined) as ReturnType<EventEmitter<ConnectionEventMap>['eventNames']>
  }

  /** @internal Connections are made by listen() and connect(). */
  constructor(token: symbol, socket: Socket, remote: SocketAddress, model: Model) {
    if (token !== CONSTRUCT) throw illegalConstructor('Connection', 'listen() and connect()')
    super()
    ;(this as unknown as { _events: object })._events = new ListenerTable()
    this.#socket = socket
    this.model = model
    // Read once: they stay readable after the socket is closed, as net.Socket's do.
    const local = socket.address()
    this.#localAddress = sameAddress(local.address)
    this.#localPort = local.port
    this.#remoteAddress = sameAddress(remote.address)
    this.#remotePort = remote.port
    this.#remoteFamily = remote.family
  }

  /**
   * Queues `data` (one buffer, or several sent as one writev) and returns false once the bytes
   * not yet sent reach the high-water mark: stop writing until 'drain'. As with net.Socket#write
   * and WSASend, the buffers are the connection's until the write completes (`onWritten`): a
   * write made while a send is in flight waits in the queue as it is, not copied.
   * `onWritten` runs once these bytes (and all before them) are sent, or with an error if the
   * connection is destroyed first (the destroy's error, or ECANCELED).
   */
  write(data: Uint8Array | readonly Uint8Array[], onWritten?: WriteCallback): boolean {
    if (!isConnection(this)) throw invalidThis('Connection')
    const list = checkData(data)
    if (onWritten !== undefined && !isCallable(onWritten)) throw invalidType('onWritten', 'a function', onWritten)
    if (this.#destroyed) throw systemError(9, 'WSASend', 'the connection is destroyed')
    if (this.#ending) throw systemError(32, 'WSASend', 'write after end()')
    let bytes = 0
    for (const b of list) bytes += b.byteLength
    this.#bytesAccepted += bytes
    if (onWritten !== undefined) {
      // Nothing to send (or all of it already sent): called back as a completion would be, later.
      if (this.#bytesAccepted === this.#bytesWritten && this.#inFlight === 0) process.nextTick(onWritten, null)
      else (this.#callbacks ??= []).push({ end: this.#bytesAccepted, onWritten })
    }
    if (bytes > 0) {
      if (this.#inFlight !== 0) this.#enqueue(list)
      else if (list.length <= MAX_BUFFERS_PER_SEND) this.#startSend(list, bytes)
      else this.#startLongSend(list)
    }
    const ok = this.#inFlight + this.#queued < this.#highWaterMark
    if (!ok) this.#needDrain = true
    return ok
  }

  /** Shuts down the send side (FIN) once every queued byte is sent; then 'finish'. Receiving goes on. */
  end(data?: Uint8Array | readonly Uint8Array[]): this {
    if (!isConnection(this)) throw invalidThis('Connection')
    if (data !== undefined) this.write(data)
    if (this.#ending || this.#destroyed) return this
    this.#ending = true
    if (this.#inFlight === 0) this.#shutdown()
    return this
  }

  /**
   * Closes the connection now: queued bytes are dropped, operations in flight cancelled. With
   * `err`, 'error' is emitted before 'close'. Idempotent.
   */
  destroy(err?: WsmError | Error): this {
    if (!isConnection(this)) throw invalidThis('Connection')
    if (err !== undefined && !(err instanceof Error)) throw invalidType('err', 'an Error', err)
    if (this.#destroyed) return this
    this.#destroyed = true
    this.#queue = null
    this.#queued = 0
    this.#io.close()
    // Only the writes not yet sent fail: the callbacks of those sent belong to the completion that
    // is running them (#sent), which destroying from a 'drain' listener or a callback interrupts.
    const unsent = this.#callbacks?.filter((c) => c.end > this.#bytesWritten) ?? null
    this.#callbacks = null
    process.nextTick(() => {
      // The listener hears of it in the turn that emits 'close', before: its own 'close' (a tick
      // later) then follows this one's, as net.Server's follows its sockets'
      // (test/drivers-listener-close.test.ts).
      this.#onClose(this)
      if (unsent !== null && unsent.length > 0) {
        const why = (err as WsmError | undefined) ?? systemError(ECANCELED, 'WSASend', 'the connection was destroyed before these bytes were sent')
        for (const { onWritten } of unsent) callBack(onWritten, why)
      }
      if (err) this.#emitUncaught('error', err as WsmError)
      this.emit('close', err !== undefined)
    })
    return this
  }

  /**
   * Stops receiving: no receive is posted (a completion-based driver in its buffered gear takes one
   * more ahead, held until resume()), so the kernel's buffer fills and the peer's sends block.
   */
  pause(): this {
    if (!isConnection(this)) throw invalidThis('Connection')
    this.#paused = true
    return this
  }

  /** Receives again after pause(). */
  resume(): this {
    if (!isConnection(this)) throw invalidThis('Connection')
    if (!this.#paused) return this
    this.#paused = false
    // Not inline: a driver that already holds bytes delivers them at once, and 'data' must not
    // run inside the caller's resume().
    process.nextTick(() => this.#receive())
    return this
  }

  get isPaused(): boolean {
    if (!isConnection(this)) throw invalidThis('Connection')
    return this.#paused
  }

  /** TCP_NODELAY (on by default in Node's http; off here, as in Winsock, until asked). */
  setNoDelay(noDelay = true): this {
    if (!isConnection(this)) throw invalidThis('Connection')
    if (typeof noDelay !== 'boolean') throw invalidType('noDelay', 'a boolean', noDelay)
    if (!this.#destroyed) this.#socket.setNoDelay(noDelay)
    return this
  }

  /** SO_KEEPALIVE, with the idle time before the first probe. */
  setKeepAlive(enable = false, initialDelayMs = 0): this {
    if (!isConnection(this)) throw invalidThis('Connection')
    if (typeof enable !== 'boolean') throw invalidType('enable', 'a boolean', enable)
    if (typeof initialDelayMs !== 'number') throw invalidType('initialDelayMs', 'a number', initialDelayMs)
    if (!this.#destroyed) this.#socket.setKeepAlive(enable, initialDelayMs)
    return this
  }

  /** Keeps the process alive while this connection is open (the default). */
  ref(): this {
    if (!isConnection(this)) throw invalidThis('Connection')
    if (!this.#destroyed) this.#io.ref(true)
    return this
  }

  /** Lets the process exit even though this connection is open. */
  unref(): this {
    if (!isConnection(this)) throw invalidThis('Connection')
    if (!this.#destroyed) this.#io.ref(false)
    return this
  }

  /** Bytes not yet sent: write() returns false while this is at or over the high-water mark. */
  get writableLength(): number {
    if (!isConnection(this)) throw invalidThis('Connection')
    return this.#inFlight + this.#queued
  }

  get writableHighWaterMark(): number {
    if (!isConnection(this)) throw invalidThis('Connection')
    return this.#highWaterMark
  }

  get destroyed(): boolean {
    if (!isConnection(this)) throw invalidThis('Connection')
    return this.#destroyed
  }

  get bytesRead(): number {
    if (!isConnection(this)) throw invalidThis('Connection')
    return this.#bytesRead
  }

  /** Bytes the kernel has taken (completed sends); queued ones are in writableLength. */
  get bytesWritten(): number {
    if (!isConnection(this)) throw invalidThis('Connection')
    return this.#bytesWritten
  }

  get localAddress(): string {
    if (!isConnection(this)) throw invalidThis('Connection')
    return this.#localAddress
  }

  get localPort(): number {
    if (!isConnection(this)) throw invalidThis('Connection')
    return this.#localPort
  }

  get remoteAddress(): string {
    if (!isConnection(this)) throw invalidThis('Connection')
    return this.#remoteAddress
  }

  get remotePort(): number {
    if (!isConnection(this)) throw invalidThis('Connection')
    return this.#remotePort
  }

  /** 'IPv4' or 'IPv6', as net.Socket#remoteFamily. */
  get remoteFamily(): 'IPv4' | 'IPv6' {
    if (!isConnection(this)) throw invalidThis('Connection')
    return this.#remoteFamily === 6 ? 'IPv6' : 'IPv4'
  }

  // Emits `event`; a listener that throws does not stop the connection (what follows the emit, the
  // next receive, the close, the write callbacks, still happens): its exception is rethrown on the
  // next tick, uncaught, as from a net.Socket's listener (test/drivers-throwing-listener.test.ts).
  #emitUncaught(event: 'data', chunk: Buffer): void
  #emitUncaught(event: 'error', err: WsmError): void
  #emitUncaught(event: 'drain' | 'end' | 'finish'): void
  #emitUncaught(event: 'data' | 'error' | 'drain' | 'end' | 'finish', arg?: Buffer | WsmError): void {
    try {
      if (arg === undefined) this.emit(event as 'drain')
      else this.emit(event as 'data', arg as Buffer)
    } catch (err) {
      process.nextTick(rethrow, err)
    }
  }

  #receive(): void {
    if (this.#paused || this.#readEnded || this.#destroyed) return
    this.#io.receive()
  }

  #data(chunk: Buffer): void {
    if (this.#destroyed) return
    this.#bytesRead += chunk.length
    this.#emitUncaught('data', chunk)
    this.#receive()
  }

  #end(): void {
    if (this.#destroyed) return
    this.#readEnded = true
    this.#emitUncaught('end')
    if (this.#finished) this.destroy()
  }

  // Waits for the send in flight; the buffers are the connection's until written.
  #enqueue(list: readonly Uint8Array[]): void {
    const queue = (this.#queue ??= [])
    for (const b of list) {
      if (b.byteLength === 0) continue
      queue.push(b)
      this.#queued += b.byteLength
    }
  }

  // One send takes at most MAX_BUFFERS_PER_SEND buffers: the first go now, the rest wait in the
  // queue (test/drivers-write-callback.test.ts: "more buffers than one send takes").
  #startLongSend(list: readonly Uint8Array[]): void {
    const sendable = list.filter((b) => b.byteLength > 0)
    if (sendable.length > MAX_BUFFERS_PER_SEND) this.#enqueue(sendable.slice(MAX_BUFFERS_PER_SEND))
    const now = sendable.length > MAX_BUFFERS_PER_SEND ? sendable.slice(0, MAX_BUFFERS_PER_SEND) : sendable
    let bytes = 0
    for (const b of now) bytes += b.byteLength
    // Queued first: a driver may report the send complete inside #startSend, and then takes the queue.
    this.#startSend(now, bytes)
  }

  #startSend(list: readonly Uint8Array[], bytes: number): void {
    this.#inFlight = bytes
    this.#io.send(list.length === 1 ? [list[0]!] : list.filter((b) => b.byteLength > 0))
  }

  #sent(): void {
    if (this.#destroyed) return
    this.#bytesWritten += this.#inFlight
    this.#inFlight = 0
    const callbacks = this.#callbacks
    const queue = this.#queue
    if (queue !== null && queue.length > 0) {
      const batch = queue.length <= MAX_BUFFERS_PER_SEND ? queue.splice(0) : queue.splice(0, MAX_BUFFERS_PER_SEND)
      let bytes = 0
      for (const b of batch) bytes += b.byteLength
      this.#queued -= bytes
      this.#startSend(batch, bytes)
    } else {
      // No 'drain' once end() was called, as net.Socket: nothing may be written any more, and a
      // writer waiting for it would throw EPIPE (test/drivers-events.test.ts, "clean exchange").
      if (this.#needDrain && !this.#ending) {
        this.#needDrain = false
        this.#emitUncaught('drain')
      }
      if (this.#ending && !this.#destroyed && this.#inFlight === 0) this.#shutdown()
    }
    // Last: the queue is already in flight, so a write or end() from a callback keeps the order.
    if (callbacks !== null) runSent(callbacks, this.#bytesWritten)
  }

  #shutdown(): void {
    if (this.#shutDown) return
    this.#shutDown = true
    try {
      this.#socket.shutdown('send')
    } catch (err) {
      // ENOTCONN: the peer has already reset the connection (say, answering a write made after its
      // FIN), so there is no send side left to shut down: end() is done, as net.Socket's is; a
      // reset the receive side has not seen yet it still reports (test/drivers-events.test.ts,
      // "end() once the peer has gone").
      if ((err as WsmError).code !== 'ENOTCONN') {
        this.destroy(err as WsmError)
        return
      }
    }
    process.nextTick(() => {
      if (this.#destroyed) return
      this.#finished = true
      this.#emitUncaught('finish')
      if (this.#readEnded) this.destroy()
    })
  }
}

function rethrow(err: unknown): never {
  throw err
}

// A write callback that throws does not keep the ones after it (or the close) from running: its
// exception is rethrown on the next tick, uncaught (test/drivers-throwing-listener.test.ts).
// Runs, in order, the callbacks of the writes sent up to `sentUpTo`, each taken off the list before
// it runs. All of them get null even if a 'drain' listener or one of them destroys the connection:
// their bytes were sent (net.Socket's afterWrite does the same; test/drivers-write-callback.test.ts).
function runSent(callbacks: Array<{ end: number; onWritten: WriteCallback }>, sentUpTo: number): void {
  while (callbacks.length > 0 && callbacks[0]!.end <= sentUpTo) callBack(callbacks.shift()!.onWritten, null)
}

function callBack(onWritten: WriteCallback, err: WsmError | null): void {
  try {
    onWritten(err)
  } catch (thrown) {
    process.nextTick(rethrow, thrown)
  }
}

function checkData(data: unknown): readonly Uint8Array[] {
  if (data instanceof Uint8Array) return [data]
  if (!Array.isArray(data)) throw invalidType('data', 'a Uint8Array or an array of them', data)
  const list = Array.prototype.slice.call(data) as unknown[]
  for (const b of list) if (!(b instanceof Uint8Array)) throw invalidType('data[i]', 'a Uint8Array', b)
  return list as Uint8Array[]
}

/**
 * @internal For the drivers: a new connection over `socket` (connected to `remote`: read by the
 * caller, which handles a peer gone before it could be read), served by `io`.
 */
export function createConnection(
  socket: Socket,
  remote: SocketAddress,
  model: Model,
  io: (sink: ConnectionSink) => ConnectionIo,
  onClose: (c: Connection) => void = () => {},
): Connection {
  return make(socket, remote, model, io, onClose)
}
