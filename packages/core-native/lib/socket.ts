import { native, NativeSocketState, type NativeAddress, type NativeSocketHandle } from './binding.js'
import { invalidType, systemError, type WsmError } from './errors.js'

export type ShutdownHow = 'send' | 'receive' | 'both'

export interface SocketAddress {
  address: string
  port: number
  family: 4 | 6
}

/** What a model watching a socket hears from it: its descriptor is about to close, or its state moved. */
export type SocketObserver = (change: 'close' | 'state') => void

interface SocketInternals {
  handle: NativeSocketHandle
  observe(observer: SocketObserver): () => void
}

let internalsOf: (socket: Socket) => SocketInternals

/** @internal Called for each accepted socket (WSAAsyncSelect/WSAEventSelect pass the listener's selection on). */
export const acceptHooks: Array<(listener: Socket, accepted: Socket) => void> = []
let hasHandle: (value: object) => boolean

/**
 * A TCP socket, always non-blocking (Winsock's `socket()` followed by `ioctlsocket(FIONBIO, 1)`).
 * Calls that would block throw a WsmError with code EWOULDBLOCK (wsaCode 10035); the models tell
 * when to call again.
 */
export class Socket {
  readonly #handle: NativeSocketHandle
  readonly #observers = new Set<SocketObserver>()
  // Made once: WSARecv/WSASend ask for it on every call.
  #internals: SocketInternals | undefined

  static {
    internalsOf = (socket) =>
      (socket.#internals ??= {
        handle: socket.#handle,
        observe: (observer) => {
          socket.#observers.add(observer)
          return () => socket.#observers.delete(observer)
        },
      })
    hasHandle = (value) => #handle in value
  }

  /** `socket(AF_INET or AF_INET6, SOCK_STREAM, IPPROTO_TCP)`, non-blocking. */
  static tcp(options: { family?: 4 | 6 } = {}): Socket {
    if (typeof options !== 'object' || options === null) throw invalidType('options', 'an object', options)
    return new Socket(new native.SocketHandle(options.family ?? 4))
  }

  /** @internal Sockets are made by Socket.tcp() and accept(). */
  private constructor(handle: NativeSocketHandle) {
    this.#handle = handle
  }

  /** `bind()`. `host` is an IP literal or "localhost"; omitted, the wildcard address. */
  bind(port: number, host?: string): void {
    this.#handle.bind(port, host)
    this.#changed('state')
  }

  /** `listen()`. The backlog defaults to SOMAXCONN. */
  listen(backlog?: number): void {
    this.#handle.listen(backlog)
    this.#changed('state')
  }

  /** `accept()`: the next queued connection, or null when none is pending (instead of WSAEWOULDBLOCK). */
  accept(): Socket | null {
    const handle = this.#handle.accept()
    if (!handle) return null
    const accepted = new Socket(handle)
    for (const hook of acceptHooks) hook(this, accepted)
    return accepted
  }

  /**
   * `connect()`: starts the connection and returns; a model reports the outcome (select: the
   * write set on success, the except set on failure). The host defaults to localhost.
   */
  connect(port: number, host?: string): void {
    this.#handle.connect(port, host)
    this.#changed('state')
  }

  /** `recv()`: bytes received into `buffer`; 0 means the peer closed in order. */
  recv(buffer: Uint8Array): number {
    return this.#handle.recv(buffer)
  }

  /** `send()`: bytes accepted by the kernel, possibly fewer than given. */
  send(buffer: Uint8Array): number {
    return this.#handle.send(buffer)
  }

  /** `shutdown(SD_SEND | SD_RECEIVE | SD_BOTH)`. */
  shutdown(how: ShutdownHow): void {
    this.#handle.shutdown(how)
  }

  /** `closesocket()`. Idempotent. Waits on the socket (a pending select) settle. */
  close(): void {
    if (this.#handle.state === NativeSocketState.Closed) return
    this.#changed('close')
    this.#handle.close()
  }

  /** `setsockopt(IPPROTO_TCP, TCP_NODELAY)`. */
  setNoDelay(noDelay = true): void {
    this.#handle.setNoDelay(noDelay)
  }

  /** `setsockopt(SOL_SOCKET, SO_KEEPALIVE)`, with the idle time before the first probe. */
  setKeepAlive(enable = false, initialDelayMs?: number): void {
    this.#handle.setKeepAlive(enable, initialDelayMs)
  }

  /** `getsockopt(SOL_SOCKET, SO_ERROR)`: the pending error (reading clears it), or null. */
  getError(): WsmError | null {
    const errno = this.#handle.getError()
    return errno === 0 ? null : systemError(errno, 'connect')
  }

  get closed(): boolean {
    return this.#handle.state === NativeSocketState.Closed
  }

  get family(): 4 | 6 {
    return this.#handle.family
  }

  /** `getsockname()`. */
  address(): SocketAddress {
    return address(this.#handle.localAddress())
  }

  /** `getpeername()`. */
  remote(): SocketAddress {
    return address(this.#handle.remoteAddress())
  }

  get localAddress(): string {
    return this.#handle.localAddress().address
  }

  get localPort(): number {
    return this.#handle.localAddress().port
  }

  get remoteAddress(): string {
    return this.#handle.remoteAddress().address
  }

  get remotePort(): number {
    return this.#handle.remoteAddress().port
  }

  #changed(change: 'close' | 'state'): void {
    for (const observer of [...this.#observers]) observer(change)
  }
}

function address(a: NativeAddress): SocketAddress {
  return { address: a.address, port: a.port, family: a.family }
}

/** @internal For the models: the native handle of a socket, and a way to hear it change. */
export function socketInternals(socket: Socket): SocketInternals {
  return internalsOf(socket)
}

/** @internal */
export function isSocket(value: unknown): value is Socket {
  // A brand check, not instanceof: Object.create(Socket.prototype) passes instanceof but has no
  // native handle, and would only fail later, deep inside select.
  return typeof value === 'object' && value !== null && hasHandle(value)
}
