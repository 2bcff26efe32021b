import { native, NativeSocketState, type NativeAddress, type NativeSocketHandle } from './binding.js'
import type { FIONREAD, IPPROTO_TCP, SIOCATMARK, SOL_SOCKET, SO_LINGER } from './constants.js'

// socket()'s type argument, as the native constructor takes it.
const SOCK_DGRAM = 2
import { illegalConstructor, invalidThis, invalidType, systemError, type WsmError } from './errors.js'
import {
  getSocketOption,
  ioctlSocket,
  setSocketOption,
  type BoolOption,
  type ReadOnlyBoolOption,
  type Linger,
  type SizeOption,
  type SocketOptionValue,
} from './socket-options.js'
import { messageFlags } from './message-flags.js'

export type ShutdownHow = 'send' | 'receive' | 'both'

export interface SocketAddress {
  address: string
  port: number
  family: 4 | 6
}

/** What `recvFrom` received: the datagram's length and who sent it. */
export interface ReceivedFrom extends SocketAddress {
  bytes: number
}

/** What a model watching a socket hears from it: its descriptor is about to close, or its state moved. */
export type SocketObserver = (change: 'close' | 'state') => void

let handleOf: (socket: Socket) => NativeSocketHandle
let observersOf: (socket: Socket) => Set<SocketObserver>

/** @internal Called for each accepted socket (WSAAsyncSelect/WSAEventSelect pass the listener's selection on). */
export const acceptHooks: Array<(listener: Socket, accepted: Socket) => void> = []
let hasHandle: (value: unknown) => boolean
// Only this module constructs sockets: `new Socket(junk)` from outside would hold no native handle.
const CONSTRUCT = Symbol('Socket')

/**
 * A TCP or UDP socket, always non-blocking (Winsock's `socket()` followed by `ioctlsocket(FIONBIO, 1)`).
 * Calls that would block throw a WsmError with code EWOULDBLOCK (wsaCode 10035); the models tell
 * when to call again.
 */
export class Socket {
  readonly #handle: NativeSocketHandle
  // Made when a model first watches the socket: most sockets (a driver's connections) never are.
  #observers: Set<SocketObserver> | undefined

  static {
    // Accessors, not an object per socket: an idle connection's memory is counted by the idle benchmark.
    handleOf = (socket) => socket.#handle
    observersOf = (socket) => (socket.#observers ??= new Set())
    // The brand check every method and getter starts with (ERR_INVALID_THIS otherwise): one
    // private-field lookup. Guarded by test/receivers.test.ts.
    hasHandle = (value) => typeof value === 'object' && value !== null && #handle in value
  }

  /** `socket(AF_INET or AF_INET6, SOCK_STREAM, IPPROTO_TCP)`, non-blocking. */
  static tcp(options: { family?: 4 | 6 } = {}): Socket {
    if (typeof options !== 'object' || options === null) throw invalidType('options', 'an object', options)
    return new Socket(CONSTRUCT, new native.SocketHandle(options.family ?? 4))
  }

  /**
   * `socket(AF_INET or AF_INET6, SOCK_DGRAM, IPPROTO_UDP)`, non-blocking. A UDP socket does not
   * listen or accept (WSAEOPNOTSUPP); `connect` only names the default peer of `send` and `recv`.
   */
  static udp(options: { family?: 4 | 6 } = {}): Socket {
    if (typeof options !== 'object' || options === null) throw invalidType('options', 'an object', options)
    return new Socket(CONSTRUCT, new native.SocketHandle(options.family ?? 4, SOCK_DGRAM))
  }

  /** @internal Sockets are made by Socket.tcp(), Socket.udp() and accept(). */
  private constructor(token: symbol, handle: NativeSocketHandle) {
    if (token !== CONSTRUCT) throw illegalConstructor('Socket', 'Socket.tcp(), Socket.udp() and accept()')
    this.#handle = handle
  }

  /** `bind()`. `host` is an IP literal or "localhost"; omitted, the wildcard address. */
  bind(port: number, host?: string): void {
    if (!hasHandle(this)) throw invalidThis('Socket')
    this.#handle.bind(port, host)
    this.#changed('state')
  }

  /** `listen()`. The backlog defaults to SOMAXCONN. */
  listen(backlog?: number): void {
    if (!hasHandle(this)) throw invalidThis('Socket')
    this.#handle.listen(backlog)
    this.#changed('state')
  }

  /** `accept()`: the next queued connection, or null when none is pending (instead of WSAEWOULDBLOCK). */
  accept(): Socket | null {
    if (!hasHandle(this)) throw invalidThis('Socket')
    const handle = this.#handle.accept()
    if (!handle) return null
    const accepted = new Socket(CONSTRUCT, handle)
    for (const hook of acceptHooks) hook(this, accepted)
    return accepted
  }

  /**
   * `connect()`: starts the connection and returns; a model reports the outcome (select: the
   * write set on success, the except set on failure). The host defaults to localhost.
   */
  connect(port: number, host?: string): void {
    if (!hasHandle(this)) throw invalidThis('Socket')
    this.#handle.connect(port, host)
    this.#changed('state')
  }

  /**
   * `recv()`: bytes received into `buffer`; 0 means the peer closed in order. On a UDP socket, one
   * datagram (0 for an empty one), as `recvFrom` receives it. `flags`: MSG_OOB reads the urgent
   * byte, MSG_PEEK leaves the bytes queued (see the README's "Urgent data").
   */
  recv(buffer: Uint8Array, flags?: number): number {
    if (!hasHandle(this)) throw invalidThis('Socket')
    if (flags === undefined) return this.#handle.recv(buffer)
    return this.#handle.recv(buffer, messageFlags(flags, 'recv'))
  }

  /**
   * `send()`: bytes accepted by the kernel, possibly fewer than given. On a UDP socket, one datagram
   * to the connected peer. `flags` MSG_OOB: the last byte is urgent.
   */
  send(buffer: Uint8Array, flags?: number): number {
    if (!hasHandle(this)) throw invalidThis('Socket')
    if (flags === undefined) return this.#handle.send(buffer)
    return this.#handle.send(buffer, messageFlags(flags, 'send'))
  }

  /**
   * `sendto()`: `buffer` as one datagram to `host` (an IP literal or "localhost", the default)
   * and `port`; the bytes sent, all of them. An unbound socket is bound to an ephemeral port
   * first. On a TCP socket the address is ignored and this is `send`, as on Windows.
   */
  sendTo(buffer: Uint8Array, port: number, host?: string): number {
    if (!hasHandle(this)) throw invalidThis('Socket')
    return this.#handle.sendTo(buffer, port, host)
  }

  /**
   * `recvfrom()`: the next datagram into `buffer`, with its sender. Throws EWOULDBLOCK when none
   * is queued, EMSGSIZE (WSAEMSGSIZE) when the datagram was larger than `buffer` (which then holds
   * its start; the rest is lost), EINVAL on a socket never bound. On a TCP socket this is `recv`,
   * and the address the peer's.
   */
  recvFrom(buffer: Uint8Array): ReceivedFrom {
    if (!hasHandle(this)) throw invalidThis('Socket')
    return this.#handle.recvFrom(buffer)
  }

  /** `shutdown(SD_SEND | SD_RECEIVE | SD_BOTH)`. */
  shutdown(how: ShutdownHow): void {
    if (!hasHandle(this)) throw invalidThis('Socket')
    this.#handle.shutdown(how)
  }

  /** `closesocket()`. Idempotent. Waits on the socket (a pending select) settle. */
  close(): void {
    if (!hasHandle(this)) throw invalidThis('Socket')
    if (this.#handle.state === NativeSocketState.Closed) return
    this.#changed('close')
    this.#handle.close()
  }

  /** `setsockopt(IPPROTO_TCP, TCP_NODELAY)`. */
  setNoDelay(noDelay = true): void {
    if (!hasHandle(this)) throw invalidThis('Socket')
    this.#handle.setNoDelay(noDelay)
  }

  /** `setsockopt(SOL_SOCKET, SO_KEEPALIVE)`, with the idle time before the first probe. */
  setKeepAlive(enable = false, initialDelayMs?: number): void {
    if (!hasHandle(this)) throw invalidThis('Socket')
    this.#handle.setKeepAlive(enable, initialDelayMs)
  }

  /**
   * `setsockopt(SOL_SOCKET, SO_REUSEPORT)`, before `bind`: listeners in several processes (or
   * threads) share one port and the kernel spreads connections over them. Linux only.
   */
  setReusePort(reusePort = true): void {
    if (!hasHandle(this)) throw invalidThis('Socket')
    this.#handle.setReusePort(reusePort)
  }

  /**
   * Lets the process exit even though this socket is selected (asyncSelect, eventSelect) or has
   * overlapped operations in flight, as net.Socket#unref does. No Win32 counterpart: a Windows
   * process ends when its threads do. No-op once closed.
   */
  unref(): void {
    if (!hasHandle(this)) throw invalidThis('Socket')
    if (this.#handle.state !== NativeSocketState.Closed) native.ioRef(this.#handle, false)
  }

  /** Undoes unref(): the socket's selection and operations keep the process alive again (the default). */
  ref(): void {
    if (!hasHandle(this)) throw invalidThis('Socket')
    if (this.#handle.state !== NativeSocketState.Closed) native.ioRef(this.#handle, true)
  }

  /**
   * `setsockopt(level, name, value)`: SO_LINGER takes a `{ onoff, linger }`, SO_RCVBUF and
   * SO_SNDBUF a size in bytes, the other options (BOOLs in Winsock) a boolean. An unknown level is
   * EINVAL, an unknown option ENOPROTOOPT, as on Windows. The README lists where Linux differs.
   */
  setSockOpt(level: typeof SOL_SOCKET, name: typeof SO_LINGER, value: Linger): void
  setSockOpt(level: typeof SOL_SOCKET, name: SizeOption, value: number): void
  setSockOpt(level: typeof SOL_SOCKET | typeof IPPROTO_TCP, name: BoolOption, value: boolean): void
  setSockOpt(level: number, name: number, value: SocketOptionValue): void
  setSockOpt(level: number, name: number, value: SocketOptionValue): void {
    if (!hasHandle(this)) throw invalidThis('Socket')
    setSocketOption(this.#handle, level, name, value)
  }

  /** `getsockopt(level, name)`: what `setSockOpt` takes for the option (Windows' value, see the README). */
  getSockOpt(level: typeof SOL_SOCKET, name: typeof SO_LINGER): Linger
  getSockOpt(level: typeof SOL_SOCKET, name: SizeOption): number
  getSockOpt(level: typeof SOL_SOCKET | typeof IPPROTO_TCP, name: BoolOption | ReadOnlyBoolOption): boolean
  getSockOpt(level: number, name: number): SocketOptionValue
  getSockOpt(level: number, name: number): SocketOptionValue {
    if (!hasHandle(this)) throw invalidThis('Socket')
    return getSocketOption(this.#handle, level, name)
  }

  /**
   * `ioctlsocket(FIONREAD)`: the bytes a `recv` would return now (0 on a listening socket, as on
   * Windows); `ioctlsocket(SIOCATMARK)`: true unless urgent data waits to be read with MSG_OOB.
   * Another command is ENOTSUP (WSAEOPNOTSUPP), FIONBIO EINVAL: always non-blocking.
   */
  ioctlSocket(command: typeof FIONREAD): number
  ioctlSocket(command: typeof SIOCATMARK): boolean
  ioctlSocket(command: number): number | boolean
  ioctlSocket(command: number): number | boolean {
    if (!hasHandle(this)) throw invalidThis('Socket')
    return ioctlSocket(this.#handle, command)
  }

  /**
   * `getsockopt(SOL_SOCKET, SO_ERROR)`: the pending error (reading clears it), or null. A failed
   * connect's error is reported until a connection succeeds, as on Windows.
   */
  getError(): WsmError | null {
    if (!hasHandle(this)) throw invalidThis('Socket')
    const errno = this.#handle.getError()
    return errno === 0 ? null : systemError(errno, 'connect')
  }

  get closed(): boolean {
    if (!hasHandle(this)) throw invalidThis('Socket')
    return this.#handle.state === NativeSocketState.Closed
  }

  get family(): 4 | 6 {
    if (!hasHandle(this)) throw invalidThis('Socket')
    return this.#handle.family
  }

  /** `getsockopt(SO_TYPE)`: 'tcp' (SOCK_STREAM) or 'udp' (SOCK_DGRAM). */
  get type(): 'tcp' | 'udp' {
    if (!hasHandle(this)) throw invalidThis('Socket')
    return this.#handle.datagram ? 'udp' : 'tcp'
  }

  /** `getsockname()`. */
  address(): SocketAddress {
    if (!hasHandle(this)) throw invalidThis('Socket')
    return address(this.#handle.localAddress())
  }

  /** `getpeername()`. */
  remote(): SocketAddress {
    if (!hasHandle(this)) throw invalidThis('Socket')
    return address(this.#handle.remoteAddress())
  }

  get localAddress(): string {
    if (!hasHandle(this)) throw invalidThis('Socket')
    return this.#handle.localAddress().address
  }

  get localPort(): number {
    if (!hasHandle(this)) throw invalidThis('Socket')
    return this.#handle.localAddress().port
  }

  get remoteAddress(): string {
    if (!hasHandle(this)) throw invalidThis('Socket')
    return this.#handle.remoteAddress().address
  }

  get remotePort(): number {
    if (!hasHandle(this)) throw invalidThis('Socket')
    return this.#handle.remoteAddress().port
  }

  #changed(change: 'close' | 'state'): void {
    if (this.#observers === undefined || this.#observers.size === 0) return
    for (const observer of [...this.#observers]) observer(change)
  }
}

function address(a: NativeAddress): SocketAddress {
  return { address: a.address, port: a.port, family: a.family }
}

/** @internal For the models: the native handle of a socket. */
export function nativeHandleOf(socket: Socket): NativeSocketHandle {
  return handleOf(socket)
}

/** @internal For the models: hears the socket change (its descriptor closing, its state moving) until the returned call. */
export function observeSocket(socket: Socket, observer: SocketObserver): () => void {
  const observers = observersOf(socket)
  observers.add(observer)
  return () => observers.delete(observer)
}

/** @internal */
export function isSocket(value: unknown): value is Socket {
  // A brand check, not instanceof: Object.create(Socket.prototype) passes instanceof but has no
  // native handle, and would only fail later, deep inside select.
  return hasHandle(value)
}
