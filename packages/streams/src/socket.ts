// Socket: a stream.Duplex over a core Connection of any model, with the net.Socket surface that
// node:http, tls, http2 and ws reach for. Deliberately not a net.Socket subclass and without a
// `_handle`: tls and http2 would take a JavaScript `_handle` for a native stream and crash, while
// a plain Duplex makes them wrap the socket in their JSStreamSocket, which works.
import { Duplex } from 'node:stream'
import { connect as connectDriver, type Connection, type Model, type WsmError } from '@wsm/core-native'
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
import { alreadyConnected, closedBeforeConnection, endedByPeer, invalidArgType, invalidArgValue, socketClosed } from './errors.js'
import type { Server } from './server.js'

export interface SocketOptions {
  /** false (the default): the peer's end ends ours, and a later write fails with EPIPE. */
  allowHalfOpen?: boolean
  /** The driver connect() uses: one of the six models, 'iocp' by default. */
  model?: Model
  /** TCP_NODELAY once connected. */
  noDelay?: boolean
  /** SO_KEEPALIVE once connected, after `keepAliveInitialDelay` ms of silence. */
  keepAlive?: boolean
  keepAliveInitialDelay?: number
  highWaterMark?: number
  readableHighWaterMark?: number
  writableHighWaterMark?: number
  /** Destroys the socket (AbortError) when aborted. */
  signal?: AbortSignal
}

export interface SocketConnectOptions {
  port: number | string
  /** An IP literal or 'localhost' (the default); the core resolves no other names. */
  host?: string
  /** Overrides the socket's model for this connection. */
  model?: Model
  /** Calls setTimeout(timeout) before connecting, as net's createConnection does. */
  timeout?: number
  noDelay?: boolean
  keepAlive?: boolean
  keepAliveInitialDelay?: number
}

type WriteCallback = (err?: Error | null) => void

let adopt: (socket: Socket, connection: Connection, paused: boolean) => void

/**
 * A TCP socket as a stream.Duplex, over a Connection from any of the core's six drivers. Made by
 * connect()/createConnection(), by a Server for each accepted connection, or with
 * `new Socket(options)` followed by `socket.connect(...)`.
 */
export class Socket extends Duplex {
  /** The socket's idle timeout in ms as setTimeout() set it; undefined until then. */
  timeout: number | undefined = undefined
  /** The Server that accepted this socket; null for a client socket. */
  server: Server | null = null

  #connection: Connection | null = null
  #connecting = false
  #model: Model
  // Options asked for before there is a connection, applied when it comes.
  #noDelay: boolean | undefined
  #keepAlive: [boolean, number] | undefined
  #refed = true
  // A write (and an end()) made before the connection is there; sent once it is.
  #pendingWrite: { chunks: Buffer[]; callback: WriteCallback } | null = null
  #pendingFinal: WriteCallback | null = null
  #bytesHanded = 0
  #nativeClosed = false
  #onNativeClose: (() => void) | null = null
  #endedByPeer = false
  #timer: NodeJS.Timeout | null = null
  #bytesAtTimeout = -1

  static {
    adopt = (socket, connection, paused) => {
      if (paused) connection.pause()
      socket.#attach(connection)
    }
  }

  constructor(options: SocketOptions = {}) {
    const o = checkObject('options', options)
    for (const key of ['objectMode', 'readableObjectMode', 'writableObjectMode']) {
      if (o[key]) throw invalidArgValue(`options.${key}`, 'is not supported', o[key])
    }
    const allowHalfOpen = optionalBoolean('options.allowHalfOpen', o.allowHalfOpen) ?? false
    super({
      allowHalfOpen,
      // 'close' is ours to emit: after the native close, with hadError (see _destroy).
      emitClose: false,
      autoDestroy: true,
      highWaterMark: o.highWaterMark as number | undefined,
      readableHighWaterMark: o.readableHighWaterMark as number | undefined,
      writableHighWaterMark: o.writableHighWaterMark as number | undefined,
      signal: o.signal as AbortSignal | undefined,
    })
    this.#model = checkModel('options.model', o.model)
    this.#applyOptions(o)
    this.on('end', this.#onReadableEnd)
  }

  /**
   * Connects: `connect(port, host?, listener?)` or `connect(options, listener?)`, as net.Socket's.
   * 'connect' then 'ready' follow; a failure (ECONNREFUSED, ...) destroys the socket with it.
   */
  connect(options: SocketConnectOptions, connectListener?: () => void): this
  connect(port: number | string, host?: string, connectListener?: () => void): this
  connect(port: number | string, connectListener?: () => void): this
  connect(...args: unknown[]): this {
    const { options, callback } = splitArgs(args, ['port', 'host'])
    const o = checkObject('options', options)
    const port = checkPort('options.port', o.port, false)
    const host = checkHost('options.host', o.host) ?? 'localhost'
    const model = o.model === undefined ? this.#model : checkModel('options.model', o.model)
    const listener = optionalFunction<() => void>('connectListener', callback)
    if (this.destroyed) throw socketClosed()
    if (this.#connection !== null || this.#connecting) throw alreadyConnected()
    this.#applyOptions(o)
    if (o.timeout !== undefined) this.setTimeout(o.timeout as number)
    if (listener) this.once('connect', listener)
    this.#connecting = true
    // Out of the promise chain: a throwing 'connect' listener is an uncaught exception, as in net.
    connectDriver({ model, port, host }).then(
      (c) => process.nextTick(() => this.#connected(c)),
      (err: WsmError) =>
        process.nextTick(() => {
          this.#connecting = false
          this.destroy(Object.assign(err, { address: host, port }))
        }),
    )
    return this
  }

  /** TCP_NODELAY (true when called without an argument); remembered until connected. */
  setNoDelay(noDelay?: boolean): this {
    const on = noDelay === undefined ? true : Boolean(noDelay)
    if (this.#connection === null) this.#noDelay = on
    else this.#connection.setNoDelay(on)
    return this
  }

  /** SO_KEEPALIVE, probing after `initialDelay` ms of silence; remembered until connected. */
  setKeepAlive(enable?: boolean, initialDelay?: number): this {
    const delay = initialDelay === undefined ? 0 : checkNonNegative('initialDelay', initialDelay)
    const on = Boolean(enable)
    if (this.#connection === null) this.#keepAlive = [on, delay]
    else this.#connection.setKeepAlive(on, delay)
    return this
  }

  /**
   * net's idle timeout: after `ms` without a read or a write, 'timeout' is emitted (and nothing
   * else: ending or destroying is the listener's call). 0 turns it off. Quiet while a write is
   * still making progress (test/socket-timeout.test.ts).
   */
  setTimeout(ms: number, callback?: () => void): this {
    const msecs = checkNonNegative('msecs', ms)
    const listener = optionalFunction<() => void>('callback', callback)
    if (this.destroyed) return this
    this.timeout = msecs
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    if (msecs === 0) {
      if (listener) this.removeListener('timeout', listener)
      return this
    }
    // Unref'd like net's: a socket's idle timer alone does not keep the process alive.
    this.#timer = setTimeout(this.#onTimeout, msecs).unref()
    if (listener) this.once('timeout', listener)
    return this
  }

  /** Keeps the process alive while the socket is open (the default); applied once connected. */
  ref(): this {
    this.#refed = true
    if (this.#connection !== null && !this.destroyed) this.#connection.ref()
    return this
  }

  /** Lets the process exit even though the socket is open; applied once connected. */
  unref(): this {
    this.#refed = false
    if (this.#connection !== null && !this.destroyed) this.#connection.unref()
    return this
  }

  /** end(), then destroy() once the end is sent, as net's (node:http calls it). */
  destroySoon(): void {
    if (this.writable) this.end()
    if (this.writableFinished) this.destroy()
    else this.once('finish', () => this.destroy())
  }

  override write(chunk: unknown, encoding?: BufferEncoding | WriteCallback, callback?: WriteCallback): boolean {
    // The peer's FIN ended our side too (allowHalfOpen false): EPIPE, as net.Socket reports it
    // (test/socket-half-close.test.ts).
    if (this.#endedByPeer && this.writableEnded) {
      const err = endedByPeer()
      const cb = typeof encoding === 'function' ? encoding : callback
      if (typeof cb === 'function') process.nextTick(cb, err)
      this.destroy(err)
      return false
    }
    return super.write(chunk, encoding as BufferEncoding, callback)
  }

  get connecting(): boolean {
    return this.#connecting
  }

  /** True until connected (and while connecting), as net's. */
  get pending(): boolean {
    return this.#connection === null || this.#connecting
  }

  get readyState(): 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed' {
    if (this.#connecting) return 'opening'
    if (this.readable && this.writable) return 'open'
    if (this.readable) return 'readOnly'
    if (this.writable) return 'writeOnly'
    return 'closed'
  }

  /** Bytes received; still readable after destroy. */
  get bytesRead(): number {
    return this.#connection?.bytesRead ?? 0
  }

  /** Bytes handed to the connection plus those still buffered in the stream, as net counts them. */
  get bytesWritten(): number {
    let bytes = this.#bytesHanded
    if (this.destroyed) return bytes
    for (const b of this.#pendingWrite?.chunks ?? []) bytes += b.length
    // Writable#writableBuffer: the writes waiting behind the one being sent (untyped in @types/node).
    const waiting = (this as unknown as { writableBuffer?: Array<{ chunk: Buffer | string }> }).writableBuffer ?? []
    for (const { chunk } of waiting) bytes += Buffer.byteLength(chunk)
    return bytes
  }

  /** @deprecated as in net: writableLength. */
  get bufferSize(): number {
    return this.writableLength
  }

  get model(): Model {
    return this.#connection?.model ?? this.#model
  }

  get remoteAddress(): string | undefined {
    return this.#connection?.remoteAddress
  }

  get remotePort(): number | undefined {
    return this.#connection?.remotePort
  }

  get remoteFamily(): 'IPv4' | 'IPv6' | undefined {
    return this.#connection?.remoteFamily
  }

  get localAddress(): string | undefined {
    return this.#connection?.localAddress
  }

  get localPort(): number | undefined {
    return this.#connection?.localPort
  }

  /** Both ends of a TCP connection have one family. */
  get localFamily(): 'IPv4' | 'IPv6' | undefined {
    return this.#connection?.remoteFamily
  }

  /** The local end, as net.Socket#address(); {} before connecting. */
  address(): { address: string; family: 'IPv4' | 'IPv6'; port: number } | Record<string, never> {
    const c = this.#connection
    return c === null ? {} : { address: c.localAddress, family: c.remoteFamily, port: c.localPort }
  }

  override _read(): void {
    // Only a connection that push() paused is paused here; it receives again.
    if (this.#connection?.isPaused) this.#connection.resume()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: WriteCallback): void {
    this.#send([chunk], callback)
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: WriteCallback): void {
    this.#send(
      chunks.map((c) => c.chunk),
      callback,
    )
  }

  override _final(callback: WriteCallback): void {
    const c = this.#connection
    if (c === null) {
      this.#pendingFinal = callback
      return
    }
    // shutdown(SD_SEND) after the queued bytes; the Connection's 'finish' says it is done.
    c.once('finish', () => callback())
    c.end()
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    const pending = this.#pendingWrite
    this.#pendingWrite = null
    if (pending !== null) pending.callback(err ?? closedBeforeConnection())
    const done = (): void => {
      callback(err)
      // After the 'error' that callback(err) schedules: 'close' is always last, as net's
      // (test/socket-errors.test.ts, test/net-compat.test.ts).
      process.nextTick(() => this.emit('close', err != null))
    }
    const c = this.#connection
    // Never connected (a connect still under way closes its socket when it lands: #connected).
    if (c === null || this.#nativeClosed) return done()
    this.#onNativeClose = done
    c.destroy()
  }

  #attach(c: Connection): void {
    this.#connection = c
    c.on('data', (chunk) => {
      this.#active()
      if (!this.push(chunk)) c.pause() // no receive is posted until _read (test/socket-backpressure.test.ts)
    })
    c.on('end', () => {
      this.push(null)
      // As net does: with nothing buffered, 'end' comes now even if nobody reads, so a socket
      // whose peer ended can finish and close without a consumer (test/socket-streams.test.ts).
      this.read(0)
    })
    c.on('error', (err) => this.destroy(err))
    c.on('close', () => {
      this.#nativeClosed = true
      const done = this.#onNativeClose
      this.#onNativeClose = null
      if (done !== null) done()
    })
    if (this.#noDelay !== undefined) c.setNoDelay(this.#noDelay)
    if (this.#keepAlive !== undefined) c.setKeepAlive(...this.#keepAlive)
    if (!this.#refed) c.unref()
  }

  #connected(c: Connection): void {
    this.#connecting = false
    if (this.destroyed) {
      c.on('error', () => {}) // nobody is left to tell
      c.destroy()
      return
    }
    this.#attach(c)
    this.emit('connect')
    this.emit('ready')
    if (this.destroyed) return
    const write = this.#pendingWrite
    this.#pendingWrite = null
    if (write !== null) this.#send(write.chunks, write.callback)
    const final = this.#pendingFinal
    this.#pendingFinal = null
    if (final !== null) this._final(final)
  }

  // One Connection#write per _write/_writev: a corked batch goes out as one gathered send, and the
  // callback runs when the bytes are sent, so the Writable's high-water mark throttles the writer.
  #send(chunks: Buffer[], callback: WriteCallback): void {
    const c = this.#connection
    if (c === null) {
      this.#pendingWrite = { chunks, callback }
      return
    }
    this.#active()
    for (const b of chunks) this.#bytesHanded += b.length
    try {
      c.write(chunks.length === 1 ? chunks[0]! : chunks, (err) => {
        this.#active()
        callback(err)
      })
    } catch (err) {
      callback(err as Error)
    }
  }

  #applyOptions(o: Record<string, unknown>): void {
    const noDelay = optionalBoolean('options.noDelay', o.noDelay)
    if (noDelay !== undefined) this.setNoDelay(noDelay)
    const keepAlive = optionalBoolean('options.keepAlive', o.keepAlive)
    if (keepAlive !== undefined) this.setKeepAlive(keepAlive, o.keepAliveInitialDelay as number | undefined)
    else if (o.keepAliveInitialDelay !== undefined && typeof o.keepAliveInitialDelay !== 'number') {
      throw invalidArgType('options.keepAliveInitialDelay', 'of type number', o.keepAliveInitialDelay)
    }
  }

  // Reads and writes refresh the idle timer.
  #active(): void {
    this.#timer?.refresh()
  }

  #onTimeout = (): void => {
    if (this.destroyed) return
    const c = this.#connection
    // A send in flight whose bytes went out since the last check is progress, not idleness.
    if (c !== null && c.writableLength > 0 && c.bytesWritten !== this.#bytesAtTimeout) {
      this.#bytesAtTimeout = c.bytesWritten
      this.#timer?.refresh()
      return
    }
    this.emit('timeout')
  }

  #onReadableEnd = (): void => {
    if (!this.allowHalfOpen) this.#endedByPeer = true
  }
}

/** @internal For Server: a socket over an accepted connection; `paused` is pauseOnConnect. */
export function adoptConnection(socket: Socket, connection: Connection, paused: boolean): void {
  adopt(socket, connection, paused)
  if (paused) socket.pause()
}
