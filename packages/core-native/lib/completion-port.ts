// I/O completion ports: CreateIoCompletionPort, GetQueuedCompletionStatus(Ex),
// PostQueuedCompletionStatus. Packets queue FIFO; waiters are served last-in first-out (the most
// recent waiter is the "hot" one, as Windows wakes the thread that waited last).
import { abortError } from './abort-error.js'
import { invalidArgument, invalidThis, invalidType, systemError, type WsmError } from './errors.js'
import { native } from './binding.js'
import { checkWaitMs } from './apc.js'
import { nativeFileHandle } from './file-handle.js'
import { pendingEntries } from './io-dispatch.js'
import { errorNumber, isOverlapped, portOfOperation, type Overlapped } from './overlapped.js'
import { isSocket } from './socket.js'

export interface CompletionPacket {
  /** The completion key the handle was associated with (or the posted one). */
  key: number
  bytes: number
  /** The operation's Overlapped, the very object passed in; null when posted without one. */
  overlapped: Overlapped | null
  /** 0, or the Winsock/Win32 error number (the POSIX errno where Windows has none). */
  error: number
  /** The failure as a WsmError, when `error` is not 0. */
  cause?: WsmError
}

/** Options of a wait on the port; an extra of this package, not a Win32 parameter. */
export interface CompletionWaitOptions {
  /**
   * Aborting gives the wait up: it rejects with an AbortError and takes no packet, so the packets
   * that come later stay on the port for the next waiter. What a Win32 program does by posting a
   * packet that tells its worker to stop, without the packet.
   */
  signal?: AbortSignal
}

interface Waiter {
  max: number
  deliver(packets: CompletionPacket[] | 'closed'): void
}

interface Association {
  port: CompletionPort
  key: number
}

const associations = new WeakMap<object, Association>()

/** @internal The port and key `handle` is associated with, if any. */
export function associationOf(handle: object): Association | undefined {
  const a = associations.get(handle)
  return a && !a.port.closed ? a : undefined
}

// CompletionPort's internals, for lib/overlapped.ts and this module (set in its static block).
let isPort: (value: unknown) => value is CompletionPort
let enqueue: (port: CompletionPort, key: number, bytes: number, overlapped: Overlapped, error: WsmError | null) => void

/** @internal The completion of an operation on a handle associated with `port`. */
export function enqueueCompletion(port: CompletionPort, key: number, bytes: number, overlapped: Overlapped, error: WsmError | null): void {
  enqueue(port, key, bytes, overlapped, error)
}

function checkKey(key: unknown): number {
  if (typeof key !== 'number') throw invalidType('key', 'a number', key)
  if (!Number.isSafeInteger(key)) throw invalidArgument('CreateIoCompletionPort', 'The "key" argument must be a safe integer')
  return key
}

/**
 * An I/O completion port (CreateIoCompletionPort with INVALID_HANDLE_VALUE). Associate sockets and
 * files with a key; every overlapped operation on them then completes here as a packet.
 */
export class CompletionPort {
  /** NumberOfConcurrentThreads: recorded; JavaScript runs one thread. */
  readonly concurrency: number
  #queue: CompletionPacket[] = []
  #head = 0
  readonly #waiters: Waiter[] = []
  #closed = false
  #drainScheduled = false

  static {
    // The brand check of every method and getter (ERR_INVALID_THIS otherwise).
    isPort = (value): value is CompletionPort => typeof value === 'object' && value !== null && #waiters in value
    enqueue = (port, key, bytes, overlapped, error) => {
      if (port.#closed) return
      const packet: CompletionPacket = { key, bytes, overlapped, error: errorNumber(error) }
      if (error) packet.cause = error
      port.#push(packet)
    }
  }

  constructor(options: { concurrency?: number } = {}) {
    if (typeof options !== 'object' || options === null) throw invalidType('options', 'an object', options)
    const concurrency = options.concurrency ?? 0
    if (typeof concurrency !== 'number') throw invalidType('options.concurrency', 'a number', concurrency)
    if (!Number.isInteger(concurrency) || concurrency < 0 || concurrency > 1024) {
      throw invalidArgument('CreateIoCompletionPort', 'The "concurrency" option must be an integer from 0 to 1024')
    }
    this.concurrency = concurrency
  }

  get closed(): boolean {
    if (!isPort(this)) throw invalidThis('CompletionPort')
    return this.#closed
  }

  /** Packets waiting to be dequeued. */
  get size(): number {
    if (!isPort(this)) throw invalidThis('CompletionPort')
    return this.#queue.length - this.#head
  }

  /**
   * CreateIoCompletionPort(handle, port, key): operations on `handle` complete on this port from
   * now on. A handle joins one port for its lifetime (a second association is EINVAL).
   */
  associate(handle: object, key: number): void {
    if (!isPort(this)) throw invalidThis('CompletionPort')
    this.#checkOpen('CreateIoCompletionPort')
    if (typeof handle !== 'object' || handle === null || !isIoHandle(handle)) {
      throw invalidType('handle', 'a Socket or FileHandle', handle)
    }
    const k = checkKey(key)
    if ((handle as { closed: boolean }).closed) throw systemError(9, 'CreateIoCompletionPort', 'the handle is closed')
    const existing = associations.get(handle)
    if (existing && !existing.port.closed) {
      throw invalidArgument('CreateIoCompletionPort', 'the handle is already associated with a completion port')
    }
    associations.set(handle, { port: this, key: k })
  }

  /** GetQueuedCompletionStatus: the next packet, or null on time-out (WAIT_TIMEOUT). */
  async getQueuedCompletionStatus(timeoutMs?: number, options?: CompletionWaitOptions): Promise<CompletionPacket | null> {
    if (!isPort(this)) throw invalidThis('CompletionPort')
    const packets = await this.#dequeue(1, timeoutMs, options, 'GetQueuedCompletionStatus')
    return packets[0] ?? null
  }

  /** GetQueuedCompletionStatusEx: up to `max` packets in one call; [] on time-out. */
  async getQueuedCompletionStatusEx(max: number, timeoutMs?: number, options?: CompletionWaitOptions): Promise<CompletionPacket[]> {
    if (!isPort(this)) throw invalidThis('CompletionPort')
    if (typeof max !== 'number') throw invalidType('max', 'a number', max)
    if (!Number.isInteger(max) || max < 1 || max > 65536) {
      throw invalidArgument('GetQueuedCompletionStatusEx', 'The "max" argument must be an integer from 1 to 65536')
    }
    return this.#dequeue(max, timeoutMs, options, 'GetQueuedCompletionStatusEx')
  }

  /** PostQueuedCompletionStatus: a packet delivered as given (bytes, key, overlapped). */
  postQueuedCompletionStatus(bytes: number, key: number, overlapped: Overlapped | null = null): void {
    if (!isPort(this)) throw invalidThis('CompletionPort')
    this.#checkOpen('PostQueuedCompletionStatus')
    if (typeof bytes !== 'number') throw invalidType('bytes', 'a number', bytes)
    if (!Number.isInteger(bytes) || bytes < 0 || bytes > 0xffffffff) {
      throw invalidArgument('PostQueuedCompletionStatus', 'The "bytes" argument must be an integer from 0 to 2^32-1')
    }
    const k = checkKey(key)
    if (overlapped !== null && !isOverlapped(overlapped)) {
      throw invalidType('overlapped', 'an Overlapped or null', overlapped)
    }
    this.#push({ key: k, bytes, overlapped, error: 0 })
  }

  /**
   * CloseHandle(port). Waiters reject with ECANCELED; operations in flight on associated handles
   * are cancelled (they complete with ECANCELED on their Overlapped and event, not on this port).
   */
  close(): void {
    if (!isPort(this)) throw invalidThis('CompletionPort')
    if (this.#closed) return
    this.#closed = true
    for (const [id, op] of [...pendingEntries()]) if (portOfOperation(op) === this) native.ioCancel(id)
    this.#queue = []
    this.#head = 0
    const waiters = this.#waiters.splice(0)
    for (const w of waiters) w.deliver('closed')
  }

  #push(packet: CompletionPacket): void {
    this.#queue.push(packet)
    // Serve waiters once the whole batch of completions is queued, so an Ex waiter takes many.
    if (this.#waiters.length > 0 && !this.#drainScheduled) {
      this.#drainScheduled = true
      queueMicrotask(() => this.#drain())
    }
  }

  #take(max: number): CompletionPacket[] {
    const end = Math.min(this.#queue.length, this.#head + max)
    const out = this.#queue.slice(this.#head, end)
    this.#head = end
    if (this.#head === this.#queue.length) {
      this.#queue = []
      this.#head = 0
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head)
      this.#head = 0
    }
    return out
  }

  #drain(): void {
    this.#drainScheduled = false
    while (this.size > 0 && this.#waiters.length > 0) {
      const w = this.#waiters.pop()! // LIFO
      w.deliver(this.#take(w.max))
    }
  }

  #dequeue(max: number, timeoutMs: number | undefined, options: CompletionWaitOptions | undefined, syscall: string): Promise<CompletionPacket[]> {
    this.#checkOpen(syscall)
    const timeout = checkWaitMs('timeoutMs', syscall, timeoutMs)
    const signal = checkWaitSignal(options)
    if (signal?.aborted) return Promise.reject(abortError(signal))
    // FIFO among packets, but not ahead of a drain already owed to earlier waiters.
    if (this.size > 0 && this.#waiters.length === 0) return Promise.resolve(this.#take(max))
    if (timeout === 0) return Promise.resolve([])
    return new Promise<CompletionPacket[]>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      const leave = (): boolean => {
        if (timer) clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        const i = this.#waiters.indexOf(waiter)
        if (i < 0) return false
        this.#waiters.splice(i, 1)
        return true
      }
      // Only a waiter still waiting gives up: one already served keeps its packets.
      const onAbort = () => {
        if (leave()) reject(abortError(signal!))
      }
      const waiter: Waiter = {
        max,
        deliver: (packets) => {
          if (timer) clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          if (packets === 'closed') reject(systemError(125, syscall, 'the completion port was closed'))
          else resolve(packets)
        },
      }
      this.#waiters.push(waiter)
      if (this.size > 0 && !this.#drainScheduled) {
        this.#drainScheduled = true
        queueMicrotask(() => this.#drain())
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      if (timeout !== Infinity) {
        timer = setTimeout(() => {
          if (leave()) resolve([])
        }, timeout)
      }
    })
  }

  #checkOpen(syscall: string): void {
    if (this.#closed) throw systemError(9, syscall, 'the completion port is closed')
  }
}

function checkWaitSignal(options: unknown): AbortSignal | undefined {
  if (options === undefined) return undefined
  if (typeof options !== 'object' || options === null) throw invalidType('options', 'an object', options)
  const { signal } = options as CompletionWaitOptions
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidType('options.signal', 'an AbortSignal', signal)
  return signal
}

function isIoHandle(handle: object): boolean {
  return isSocket(handle) || nativeFileHandle(handle) !== undefined
}
