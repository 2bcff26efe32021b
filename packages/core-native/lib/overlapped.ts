// WSAOVERLAPPED and the overlapped calls: WSARecv, WSASend, AcceptEx, ConnectEx, ReadFile,
// WriteFile (lib/file-handle.ts), WSAGetOverlappedResult, CancelIoEx. Each operation's completion
// goes, as in Windows, to the handle's completion port if it has one, else to its completion
// routine (run at the next alertable wait); the Overlapped's event, if any, is signalled too.
import { queueApc } from './apc.js'
import { native } from './binding.js'
import { associationOf } from './completion-port.js'
import { invalidArgument, invalidType, systemError, WsmError } from './errors.js'
import { startOperation } from './io-dispatch.js'
import { isSocket, socketInternals, type Socket } from './socket.js'
import { WsaEvent } from './wsa-event.js'

export type CompletionRoutine = (error: number, bytes: number, overlapped: Overlapped, flags: number) => void

export interface OverlappedResult {
  bytes: number
  flags: number
}

interface OverlappedInternals {
  begin(id: number, handle: object, syscall: string): void
  finish(bytes: number, flags: number, error: WsmError | null): void
  readonly id: number
  readonly handle: object | null
}

let internalsOf: (ov: Overlapped) => OverlappedInternals

// The Overlappeds in flight on each handle, for CancelIoEx without an Overlapped.
const inFlight = new WeakMap<object, Set<Overlapped>>()

/**
 * WSAOVERLAPPED: the record of one operation in flight. One operation at a time: starting a second
 * while the first is pending throws EALREADY. After completion, `bytes`, `flags` and `error` hold
 * its outcome (Internal/InternalHigh), and `event`, if given, is signalled.
 */
export class Overlapped {
  readonly event: WsaEvent | null
  #pending = false
  #used = false
  #id = -1
  #handle: object | null = null
  #bytes = 0
  #flags = 0
  #error: WsmError | null = null
  #syscall = ''
  readonly #waiters: Array<() => void> = []

  static {
    internalsOf = (ov) => ({
      begin(id, handle, syscall) {
        ov.#pending = true
        ov.#used = true
        ov.#id = id
        ov.#handle = handle
        ov.#syscall = syscall
        ov.#bytes = 0
        ov.#flags = 0
        ov.#error = null
      },
      finish(bytes, flags, error) {
        ov.#pending = false
        ov.#bytes = bytes
        ov.#flags = flags
        ov.#error = error
        if (ov.event && !ov.event.closed) ov.event.set()
        const waiters = ov.#waiters.splice(0)
        for (const wake of waiters) wake()
      },
      get id() {
        return ov.#id
      },
      get handle() {
        return ov.#handle
      },
    })
  }

  constructor(options: { event?: WsaEvent } = {}) {
    if (typeof options !== 'object' || options === null) throw invalidType('options', 'an object', options)
    if (options.event !== undefined && !(options.event instanceof WsaEvent)) {
      throw invalidType('options.event', 'a WsaEvent', options.event)
    }
    this.event = options.event ?? null
  }

  get pending(): boolean {
    return this.#pending
  }

  /** Bytes transferred by the last completed operation (InternalHigh). */
  get bytes(): number {
    return this.#bytes
  }

  get flags(): number {
    return this.#flags
  }

  /** Why the last completed operation failed, or null (Internal). */
  get error(): WsmError | null {
    return this.#error
  }

  /** @internal Resolves once the pending operation has completed. */
  whenDone(): Promise<void> {
    if (!this.#pending) return Promise.resolve()
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  /** @internal */
  get syscall(): string {
    return this.#syscall
  }
}

/** @internal */
export function overlappedInternals(ov: Overlapped): OverlappedInternals {
  return internalsOf(ov)
}

/** The number a completion routine or packet reports for an error: Winsock's where it has one. */
export function errorNumber(error: WsmError | null): number {
  if (!error) return 0
  return error.wsaCode ?? -error.errno
}

export function checkOverlapped(ov: unknown, syscall: string): Overlapped {
  if (!(ov instanceof Overlapped)) throw invalidType('overlapped', 'an Overlapped', ov)
  if (ov.pending) throw systemError(114, syscall, 'this Overlapped already has an operation in flight')
  return ov
}

export function checkRoutine(routine: unknown): CompletionRoutine | undefined {
  if (routine !== undefined && typeof routine !== 'function') throw invalidType('routine', 'a function', routine)
  return routine as CompletionRoutine | undefined
}

/**
 * Starts a native operation for `ov` on `handle` and routes its completion: to the completion
 * routine if one is given, else to the handle's completion port if it is associated with one.
 * `onSuccess` runs first on success (AcceptEx uses it to refresh the accepted socket).
 */
export function startOverlapped(
  handle: object,
  ov: Overlapped,
  syscall: string,
  routine: CompletionRoutine | undefined,
  start: () => number,
): void {
  const association = routine ? undefined : associationOf(handle)
  const internals = internalsOf(ov)
  let flying = inFlight.get(handle)
  if (!flying) inFlight.set(handle, (flying = new Set()))
  const id = startOperation(start, {
    complete(result, flags) {
      const error = result < 0 ? systemError(-result, syscall) : null
      const bytes = result < 0 ? 0 : result
      association?.port.untrack(id)
      flying.delete(ov)
      internals.finish(bytes, flags, error)
      if (routine) queueApc(() => routine(errorNumber(error), bytes, ov, flags))
      else if (association) association.port.enqueueCompletion(association.key, bytes, ov, error)
    },
  })
  association?.port.track(id)
  flying.add(ov)
  internals.begin(id, handle, syscall)
}

function socketHandle(s: unknown, name: string): ReturnType<typeof socketInternals>['handle'] {
  if (!isSocket(s)) throw invalidType(name, 'a Socket', s)
  return socketInternals(s).handle
}

/**
 * WSARecv. Fills `buffers` in order (a WSABUF array); the completion reports the bytes received,
 * 0 when the peer closed. Zero-length buffers make Winsock's zero-byte receive: it completes when
 * data is there, without taking any, so an idle connection holds no buffer.
 */
export function recvOverlapped(s: Socket, buffers: Uint8Array | Uint8Array[], ov: Overlapped, routine?: CompletionRoutine): void {
  const handle = socketHandle(s, 'socket')
  checkOverlapped(ov, 'WSARecv')
  const r = checkRoutine(routine)
  startOverlapped(s, ov, 'WSARecv', r, () => native.ioRecv(handle, buffers))
}

/**
 * WSASend. The bytes are copied when the call is made, so the buffers may be reused at once; the
 * completion comes when all of them are sent (or on error), as with Winsock on a stream socket.
 */
export function sendOverlapped(s: Socket, buffers: Uint8Array | Uint8Array[], ov: Overlapped, routine?: CompletionRoutine): void {
  const handle = socketHandle(s, 'socket')
  checkOverlapped(ov, 'WSASend')
  const r = checkRoutine(routine)
  startOverlapped(s, ov, 'WSASend', r, () => native.ioSend(handle, buffers))
}

/**
 * AcceptEx. `acceptSocket`, made with Socket.tcp() and not yet bound, becomes the accepted
 * connection when the operation completes (the same object: identity is kept). The completion
 * is reported on the listener (its port, its routine).
 */
export function acceptEx(listener: Socket, acceptSocket: Socket, ov: Overlapped, routine?: CompletionRoutine): void {
  const handle = socketHandle(listener, 'listener')
  const acceptHandle = socketHandle(acceptSocket, 'acceptSocket')
  checkOverlapped(ov, 'AcceptEx')
  const r = checkRoutine(routine)
  startOverlapped(listener, ov, 'AcceptEx', r, () => native.ioAccept(handle, acceptHandle))
}

/** ConnectEx. The socket need not be bound first (Windows requires it; here it is done for you). */
export function connectEx(s: Socket, port: number, host: string | undefined, ov: Overlapped, routine?: CompletionRoutine): void {
  const handle = socketHandle(s, 'socket')
  checkOverlapped(ov, 'ConnectEx')
  const r = checkRoutine(routine)
  startOverlapped(s, ov, 'ConnectEx', r, () => native.ioConnect(handle, port, host))
}

/**
 * WSAGetOverlappedResult. Resolves { bytes, flags } of the completed operation, or rejects with
 * its error. On a pending operation: with `wait`, waits for it; without, rejects with
 * WSA_IO_INCOMPLETE (code EINPROGRESS, wsaCode 996).
 */
export async function getOverlappedResult(handle: object, ov: Overlapped, wait: boolean): Promise<OverlappedResult> {
  if (typeof handle !== 'object' || handle === null) throw invalidType('handle', 'a Socket or FileHandle', handle)
  if (!(ov instanceof Overlapped)) throw invalidType('overlapped', 'an Overlapped', ov)
  if (typeof wait !== 'boolean') throw invalidType('wait', 'a boolean', wait)
  const internals = internalsOf(ov)
  if (internals.handle === null) throw invalidArgument('WSAGetOverlappedResult', 'no operation was started with this Overlapped')
  if (internals.handle !== handle) throw invalidArgument('WSAGetOverlappedResult', 'this Overlapped belongs to another handle')
  if (ov.pending) {
    if (!wait) {
      const err = systemError(115, 'WSAGetOverlappedResult', 'the operation is still in progress')
      err.wsaCode = 996 // WSA_IO_INCOMPLETE
      throw err
    }
    await ov.whenDone()
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
    if (!(ov instanceof Overlapped)) throw invalidType('overlapped', 'an Overlapped', ov)
    const internals = internalsOf(ov)
    if (!ov.pending || internals.handle !== handle) return false
    return native.ioCancel(internals.id)
  }
  let cancelled = false
  for (const pending of inFlight.get(handle) ?? []) {
    if (native.ioCancel(internalsOf(pending).id)) cancelled = true
  }
  return cancelled
}
