// WSAOVERLAPPED and the overlapped calls: WSARecv, WSASend, WSARecvFrom, WSASendTo, AcceptEx, ConnectEx, ReadFile,
// WriteFile (lib/file-handle.ts), WSAGetOverlappedResult, CancelIoEx. Each operation's completion
// goes, as in Windows, to the handle's completion port if it has one, else to its completion
// routine (run at the next alertable wait); the Overlapped's event, if any, is signalled too.
import { queueApc } from './apc.js'
import { native } from './binding.js'
import { associationOf, enqueueCompletion } from './completion-port.js'
import { invalidArgument, invalidThis, invalidType, isCallable, systemError, WsmError } from './errors.js'
import type { CompletionPort } from './completion-port.js'
import { nativeFileHandle } from './file-handle.js'
import { ensureIo, RECORD_TRUNCATED, setCompleter, track } from './io-dispatch.js'
import { isSocket, nativeHandleOf, type Socket, type SocketAddress } from './socket.js'
import { isWsaEvent, type WsaEvent } from './wsa-event.js'

export type CompletionRoutine = (error: number, bytes: number, overlapped: Overlapped, flags: number) => void

export interface OverlappedResult {
  bytes: number
  flags: number
}

// Access to an Overlapped's private state for this module and lib/file-handle.ts, as plain
// functions set in the class's static block: no object is made per call on the hot path.
let beginOperation: (
  ov: Overlapped,
  id: number,
  handle: object,
  syscall: string,
  routine: CompletionRoutine | undefined,
  port: CompletionPort | undefined,
  key: number,
) => void
let completeOperation: (ov: Overlapped, result: number, flags: number) => void
let operationId: (ov: Overlapped) => number
let operationHandle: (ov: Overlapped) => object | null
let operationPort: (ov: Overlapped) => CompletionPort | undefined
let isOverlappedValue: (value: unknown) => value is Overlapped
let isPending: (ov: Overlapped) => boolean
let whenDone: (ov: Overlapped) => Promise<void>
let expectSender: (ov: Overlapped, sender: SocketAddress) => void

/**
 * WSAOVERLAPPED: the record of one operation in flight. One operation at a time: starting a second
 * while the first is pending throws EALREADY. After completion, `bytes`, `flags` and `error` hold
 * its outcome (Internal/InternalHigh), and `event`, if given, is signalled.
 */
export class Overlapped {
  readonly #event: WsaEvent | null
  #pending = false
  #id = -1
  #handle: object | null = null
  #bytes = 0
  #flags = 0
  #error: WsmError | null = null
  #syscall = ''
  // Made by the first WSAGetOverlappedResult that waits: most operations never have one.
  #waiters: Array<() => void> | null = null
  // Where the operation in flight completes: its routine if it has one, else its handle's port.
  #routine: CompletionRoutine | undefined = undefined
  #port: CompletionPort | undefined = undefined
  #key = 0
  // WSARecvFrom's lpFrom: filled by the native side at completion; null for other operations.
  #from: SocketAddress | null = null

  static {
    beginOperation = (ov, id, handle, syscall, routine, port, key) => {
      // The I/O manager resets hEvent when an operation starts, so a wait on it means this one.
      const event = ov.#event
      if (event !== null && !event.closed) event.reset()
      ov.#pending = true
      ov.#id = id
      ov.#handle = handle
      ov.#syscall = syscall
      ov.#bytes = 0
      ov.#flags = 0
      ov.#error = null
      ov.#routine = routine
      ov.#port = port
      ov.#key = key
      ov.#from = null
    }
    completeOperation = (ov, result, flags) => {
      // A datagram longer than the buffers: they hold its start and the operation fails with
      // WSAEMSGSIZE, its bytes counted, as on Windows (test/conformance/udp-overlapped.test.ts).
      const truncated = (flags & RECORD_TRUNCATED) !== 0
      const error = result < 0 ? systemError(-result, ov.#syscall) : truncated ? truncation(ov.#syscall) : null
      const bytes = result < 0 ? 0 : result
      if (result < 0) ov.#from = null
      const routine = ov.#routine
      let port = ov.#port
      let key = ov.#key
      if (routine === undefined && port === undefined) {
        // A handle associated with a port after the operation started completes there too
        // (test/conformance/overlapped-ports.test.ts "test_completion_port").
        const late = associationOf(ov.#handle!)
        if (late !== undefined) ({ port, key } = late)
      }
      ov.#pending = false
      ov.#bytes = bytes
      ov.#flags = 0
      ov.#error = error
      ov.#routine = undefined
      ov.#port = undefined
      // Windows signals hEvent only when no completion routine is given (test_WSARecv).
      const event = ov.#event
      if (event !== null && routine === undefined && !event.closed) event.set()
      const waiters = ov.#waiters
      if (waiters !== null) {
        ov.#waiters = null
        for (const wake of waiters) wake()
      }
      if (routine !== undefined) queueApc(() => routine(errorNumber(error), bytes, ov, 0))
      else if (port !== undefined) enqueueCompletion(port, key, bytes, ov, error)
    }
    operationId = (ov) => ov.#id
    operationHandle = (ov) => ov.#handle
    operationPort = (ov) => {
      if (!ov.#pending || ov.#routine !== undefined) return undefined
      return ov.#port ?? associationOf(ov.#handle!)?.port
    }
    // The brand check of every getter and of the calls that take an Overlapped (ERR_INVALID_THIS or
    // ERR_INVALID_ARG_TYPE otherwise): one private-field lookup, cheaper than the instanceof it
    // replaced on the WSARecv/WSASend path. Guarded by test/receivers.test.ts.
    isOverlappedValue = (value): value is Overlapped => typeof value === 'object' && value !== null && #pending in value
    isPending = (ov) => ov.#pending
    // Resolves once the pending operation has completed.
    whenDone = (ov) => (ov.#pending ? new Promise((resolve) => (ov.#waiters ??= []).push(resolve)) : Promise.resolve())
    expectSender = (ov, sender) => {
      ov.#from = sender
    }
  }

  constructor(options: { event?: WsaEvent } = {}) {
    if (typeof options !== 'object' || options === null) throw invalidType('options', 'an object', options)
    const event = options.event
    if (event !== undefined && !isWsaEvent(event)) throw invalidType('options.event', 'a WsaEvent', event)
    this.#event = event ?? null
  }

  /** The event signalled at completion (WSAOVERLAPPED.hEvent), or null. */
  get event(): WsaEvent | null {
    if (!isOverlappedValue(this)) throw invalidThis('Overlapped')
    return this.#event
  }

  get pending(): boolean {
    if (!isOverlappedValue(this)) throw invalidThis('Overlapped')
    return this.#pending
  }

  /** Bytes transferred by the last completed operation (InternalHigh). */
  get bytes(): number {
    if (!isOverlappedValue(this)) throw invalidThis('Overlapped')
    return this.#bytes
  }

  get flags(): number {
    if (!isOverlappedValue(this)) throw invalidThis('Overlapped')
    return this.#flags
  }

  /**
   * The sender of the datagram the last `recvFromOverlapped` received (WSARecvFrom's lpFrom), once
   * it has completed; null while pending, after a failure, and for other operations.
   */
  get from(): SocketAddress | null {
    if (!isOverlappedValue(this)) throw invalidThis('Overlapped')
    return this.#pending ? null : this.#from
  }

  /** Why the last completed operation failed, or null (Internal). */
  get error(): WsmError | null {
    if (!isOverlappedValue(this)) throw invalidThis('Overlapped')
    return this.#error
  }
}

/** @internal A brand check: Object.create(Overlapped.prototype) passes instanceof but is no Overlapped. */
export function isOverlapped(value: unknown): value is Overlapped {
  return isOverlappedValue(value)
}

/** The number a completion routine or packet reports for an error: Winsock's where it has one. */
function truncation(syscall: string): WsmError {
  return systemError(90, syscall, 'the datagram was larger than the buffers, which hold its start; the rest is lost')
}

export function errorNumber(error: WsmError | null): number {
  if (!error) return 0
  return error.wsaCode ?? -error.errno
}

export function checkOverlapped(ov: unknown, syscall: string): Overlapped {
  if (!isOverlappedValue(ov)) throw invalidType('overlapped', 'an Overlapped', ov)
  if (isPending(ov)) throw systemError(114, syscall, 'this Overlapped already has an operation in flight')
  return ov
}

export function checkRoutine(routine: unknown): CompletionRoutine | undefined {
  if (routine !== undefined && !isCallable(routine)) throw invalidType('routine', 'a function (not a class)', routine)
  return routine as CompletionRoutine | undefined
}

/**
 * checkRoutine for a socket call: a completion routine on a socket associated with a completion
 * port is WSAEINVAL at the call, as Windows refuses it (test/conformance/overlapped-ports.test.ts
 * "test_WSARecv").
 */
function checkSocketRoutine(routine: unknown, s: Socket, syscall: string): CompletionRoutine | undefined {
  const r = checkRoutine(routine)
  if (r !== undefined && associationOf(s) !== undefined) {
    throw systemError(22, syscall, 'a completion routine on a socket associated with a completion port')
  }
  return r
}

setCompleter(completeOperation)

/**
 * Records a native operation started for `ov` on `handle` and where its completion goes: to the
 * completion routine if one is given, else to the handle's completion port if it has one.
 */
export function started(handle: object, ov: Overlapped, syscall: string, routine: CompletionRoutine | undefined, id: number): void {
  const association = routine === undefined ? associationOf(handle) : undefined
  beginOperation(ov, id, handle, syscall, routine, association?.port, association?.key ?? 0)
  track(id, ov)
}

/** @internal The port the operation in flight on `ov` completes on (for CompletionPort#close). */
export function portOfOperation(ov: Overlapped): CompletionPort | undefined {
  return operationPort(ov)
}

// The kernel's IOV_MAX: longer WSABUF arrays are refused by the native call, before any element is read.
const MAX_BUFFERS = 1024

/**
 * A WSABUF array read once, here, before the arguments are checked: getters on it then run before
 * checkOverlapped, not inside the native call, where one that started another operation on the
 * same Overlapped would slip past the check and leave two operations on it.
 */
function readBuffers(buffers: Uint8Array | Uint8Array[]): Uint8Array | Uint8Array[] {
  return Array.isArray(buffers) && buffers.length <= MAX_BUFFERS ? (Array.prototype.slice.call(buffers) as Uint8Array[]) : buffers
}

function socketHandle(s: unknown, name: string): ReturnType<typeof nativeHandleOf> {
  if (!isSocket(s)) throw invalidType(name, 'a Socket', s)
  return nativeHandleOf(s)
}

/**
 * WSARecv. Fills `buffers` in order (a WSABUF array); the completion reports the bytes received,
 * 0 when the peer closed. Zero-length buffers make Winsock's zero-byte receive: it completes when
 * data is there, without taking any, so an idle connection holds no buffer.
 */
export function recvOverlapped(s: Socket, buffers: Uint8Array | Uint8Array[], ov: Overlapped, routine?: CompletionRoutine): void {
  const list = readBuffers(buffers)
  const handle = socketHandle(s, 'socket')
  checkOverlapped(ov, 'WSARecv')
  const r = checkSocketRoutine(routine, s, 'WSARecv')
  ensureIo()
  started(s, ov, 'WSARecv', r, native.ioRecv(handle.id, list))
}

/**
 * WSASend. The bytes are copied when the call is made, so the buffers may be reused at once; the
 * completion comes when all of them are sent (or on error), as with Winsock on a stream socket.
 */
export function sendOverlapped(s: Socket, buffers: Uint8Array | Uint8Array[], ov: Overlapped, routine?: CompletionRoutine): void {
  const list = readBuffers(buffers)
  const handle = socketHandle(s, 'socket')
  checkOverlapped(ov, 'WSASend')
  const r = checkSocketRoutine(routine, s, 'WSASend')
  ensureIo()
  started(s, ov, 'WSASend', r, native.ioSend(handle.id, list))
}

/** The data buffer of AcceptEx (lpOutputBuffer's data part) or ConnectEx (lpSendBuffer). */
export interface ConnectionDataOptions {
  buffer?: Uint8Array
}

function dataBuffer(options: unknown): Uint8Array | undefined {
  if (options === undefined) return undefined
  if (typeof options !== 'object' || options === null) throw invalidType('options', 'an object', options)
  const { buffer } = options as ConnectionDataOptions
  if (buffer !== undefined && !(buffer instanceof Uint8Array)) throw invalidType('options.buffer', 'a Uint8Array', buffer)
  return buffer
}

/**
 * WSARecvFrom. One datagram into `buffers` (filled in order); at completion `ov.from` names its
 * sender. A datagram longer than the buffers fills them and completes with EMSGSIZE
 * (WSAEMSGSIZE), `bytes` counting what was kept; the rest is lost. Datagram boundaries are kept:
 * one datagram per operation. On a TCP socket this is `recvOverlapped` (and `ov.from` stays null).
 */
export function recvFromOverlapped(s: Socket, buffers: Uint8Array | Uint8Array[], ov: Overlapped, routine?: CompletionRoutine): void {
  const list = readBuffers(buffers)
  const handle = socketHandle(s, 'socket')
  checkOverlapped(ov, 'WSARecvFrom')
  const r = checkRoutine(routine)
  ensureIo()
  const sender: SocketAddress = { address: '', port: 0, family: 4 }
  started(s, ov, 'WSARecvFrom', r, native.ioRecvFrom(handle.id, list, sender))
  if (s.type === 'udp') expectSender(ov, sender)
}

/**
 * WSASendTo. `buffers` as one datagram to `host` (default "localhost") and `port`, copied at the
 * call; binds an unbound socket first. On a TCP socket the address is ignored: `sendOverlapped`.
 */
export function sendToOverlapped(
  s: Socket,
  buffers: Uint8Array | Uint8Array[],
  port: number,
  host: string | undefined,
  ov: Overlapped,
  routine?: CompletionRoutine,
): void {
  const list = readBuffers(buffers)
  const handle = socketHandle(s, 'socket')
  checkOverlapped(ov, 'WSASendTo')
  const r = checkRoutine(routine)
  ensureIo()
  started(s, ov, 'WSASendTo', r, native.ioSendTo(handle.id, list, port, host))
}

/**
 * AcceptEx. `acceptSocket`, made with Socket.tcp() and not yet bound, becomes the accepted
 * connection when the operation completes (the same object: identity is kept). The completion
 * is reported on the listener (its port, its routine). With a non-empty `options.buffer`, it
 * completes only once the connection's first data has been received into the buffer, and reports
 * their length (0 if the peer closed without sending), as AcceptEx with dwReceiveDataLength.
 */
export function acceptEx(
  listener: Socket,
  acceptSocket: Socket,
  ov: Overlapped,
  routine?: CompletionRoutine,
  options?: ConnectionDataOptions,
): void {
  const handle = socketHandle(listener, 'listener')
  const acceptHandle = socketHandle(acceptSocket, 'acceptSocket')
  checkOverlapped(ov, 'AcceptEx')
  const r = checkSocketRoutine(routine, listener, 'AcceptEx')
  const buffer = dataBuffer(options)
  ensureIo()
  started(listener, ov, 'AcceptEx', r, native.ioAccept(handle, acceptHandle, buffer))
}

/**
 * ConnectEx. The socket need not be bound first (Windows requires it; here it is done for you).
 * A non-empty `options.buffer` (lpSendBuffer) is copied at the call and sent once connected; the
 * completion then reports the bytes sent.
 */
export function connectEx(
  s: Socket,
  port: number,
  host: string | undefined,
  ov: Overlapped,
  routine?: CompletionRoutine,
  options?: ConnectionDataOptions,
): void {
  const handle = socketHandle(s, 'socket')
  checkOverlapped(ov, 'ConnectEx')
  const r = checkSocketRoutine(routine, s, 'ConnectEx')
  const buffer = dataBuffer(options)
  ensureIo()
  started(s, ov, 'ConnectEx', r, native.ioConnect(handle, port, host, buffer))
}

/** The addresses GetAcceptExSockaddrs reads out of AcceptEx's buffer: both ends of the connection. */
export interface AcceptExSockaddrs {
  local: SocketAddress
  remote: SocketAddress
}

/**
 * GetAcceptExSockaddrs. The local and remote addresses of a connection `acceptEx` accepted into
 * `acceptSocket` (Windows reads them from AcceptEx's buffer; here they are asked of the socket).
 * EINVAL before the socket has a connection.
 */
export function getAcceptExSockaddrs(acceptSocket: Socket): AcceptExSockaddrs {
  if (!isSocket(acceptSocket)) throw invalidType('acceptSocket', 'a Socket', acceptSocket)
  return { local: acceptSocket.address(), remote: acceptSocket.remote() }
}

/**
 * WSAGetOverlappedResult. Resolves { bytes, flags } of the completed operation, or rejects with
 * its error. On a pending operation: with `wait`, waits for it; without, rejects with
 * WSA_IO_INCOMPLETE (code EINPROGRESS, wsaCode 996).
 */
export async function getOverlappedResult(handle: object, ov: Overlapped, wait: boolean): Promise<OverlappedResult> {
  if (typeof handle !== 'object' || handle === null) throw invalidType('handle', 'a Socket or FileHandle', handle)
  if (!isOverlappedValue(ov)) throw invalidType('overlapped', 'an Overlapped', ov)
  if (typeof wait !== 'boolean') throw invalidType('wait', 'a boolean', wait)
  const owner = operationHandle(ov)
  if (owner === null) throw invalidArgument('WSAGetOverlappedResult', 'no operation was started with this Overlapped')
  if (owner !== handle) throw invalidArgument('WSAGetOverlappedResult', 'this Overlapped belongs to another handle')
  if (ov.pending) {
    if (!wait) {
      const err = systemError(115, 'WSAGetOverlappedResult', 'the operation is still in progress')
      err.wsaCode = 996 // WSA_IO_INCOMPLETE
      throw err
    }
    await whenDone(ov)
  }
  if (ov.error) throw ov.error
  return { bytes: ov.bytes, flags: ov.flags }
}

/**
 * CancelIoEx. Cancels the operation of `ov` on `handle`, or every operation started through this
 * module on `handle` when `ov` is omitted. They complete with ECANCELED (WSA_OPERATION_ABORTED).
 * Resolves to false when there was nothing to cancel (ERROR_NOT_FOUND).
 */
export function cancelIoEx(handle: object, ov?: Overlapped): boolean {
  if (typeof handle !== 'object' || handle === null) throw invalidType('handle', 'a Socket or FileHandle', handle)
  if (ov !== undefined) {
    if (!isOverlappedValue(ov)) throw invalidType('overlapped', 'an Overlapped', ov)
    if (!isPending(ov) || operationHandle(ov) !== handle) return false
    return native.ioCancel(operationId(ov))
  }
  if (isSocket(handle)) return native.ioCancelAll(nativeHandleOf(handle))
  const file = nativeFileHandle(handle)
  if (file) return native.ioCancelAll(file)
  throw invalidType('handle', 'a Socket or FileHandle', handle)
}
