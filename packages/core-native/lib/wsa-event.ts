// Event objects (WSACreateEvent and friends): manual reset, created unsignalled. Overlapped
// operations signal theirs at completion; WSAEventSelect (issue 4) signals them on network events.
import { addAlertableWaiter, checkWaitMs, hasQueuedApcs, runApcs } from './apc.js'
import { WAIT_IO_COMPLETION, WSA_MAXIMUM_WAIT_EVENTS, WSA_WAIT_EVENT_0, WSA_WAIT_TIMEOUT } from './constants.js'
import { invalidArgument, invalidThis, invalidType, systemError } from './errors.js'

type Waiter = () => void

let waitersOf: (e: WsaEvent) => Set<Waiter>
let isEvent: (value: unknown) => value is WsaEvent

/** WSAEVENT: `new WsaEvent()` is WSACreateEvent. */
export class WsaEvent {
  #signaled = false
  #closed = false
  readonly #waiters = new Set<Waiter>()

  static {
    waitersOf = (e) => e.#waiters
    // The brand check of every method and getter (ERR_INVALID_THIS otherwise) and of the calls
    // that take an event.
    isEvent = (value): value is WsaEvent => typeof value === 'object' && value !== null && #waiters in value
  }

  /** WSASetEvent. Wakes every wait that this event satisfies. */
  set(): void {
    if (!isEvent(this)) throw invalidThis('WsaEvent')
    this.#checkOpen('WSASetEvent')
    if (this.#signaled) return
    this.#signaled = true
    for (const wake of [...this.#waiters]) wake()
  }

  /** WSAResetEvent. */
  reset(): void {
    if (!isEvent(this)) throw invalidThis('WsaEvent')
    this.#checkOpen('WSAResetEvent')
    this.#signaled = false
  }

  get signaled(): boolean {
    if (!isEvent(this)) throw invalidThis('WsaEvent')
    return this.#signaled
  }

  get closed(): boolean {
    if (!isEvent(this)) throw invalidThis('WsaEvent')
    return this.#closed
  }

  /** WSACloseEvent. Idempotent; waits on the event reject with EBADF. */
  close(): void {
    if (!isEvent(this)) throw invalidThis('WsaEvent')
    if (this.#closed) return
    this.#closed = true
    this.#signaled = false
    for (const wake of [...this.#waiters]) wake()
  }

  #checkOpen(syscall: string): void {
    if (this.#closed) throw systemError(9, syscall, 'the event is closed')
  }
}

/** @internal A brand check: Object.create(WsaEvent.prototype) passes instanceof but is no event. */
export function isWsaEvent(value: unknown): value is WsaEvent {
  return isEvent(value)
}

export interface WaitOptions {
  waitAll?: boolean
  timeoutMs?: number
  alertable?: boolean
}

/**
 * WSAWaitForMultipleEvents. Resolves WSA_WAIT_EVENT_0 + the lowest index of a signalled event
 * (or WSA_WAIT_EVENT_0 when `waitAll` and all are signalled), WSA_WAIT_TIMEOUT (258) on time-out,
 * or WAIT_IO_COMPLETION (192) when `alertable` and completion routines ran. Events are not reset:
 * they are manual-reset. 1 to WSA_MAXIMUM_WAIT_EVENTS (64) events.
 */
export async function waitForMultipleEvents(events: WsaEvent[], options: WaitOptions = {}): Promise<number> {
  if (!Array.isArray(events)) throw invalidType('events', 'an array of WsaEvent', events)
  if (typeof options !== 'object' || options === null) throw invalidType('options', 'an object', options)
  const { waitAll = false, alertable = false } = options
  if (typeof waitAll !== 'boolean') throw invalidType('options.waitAll', 'a boolean', waitAll)
  if (typeof alertable !== 'boolean') throw invalidType('options.alertable', 'a boolean', alertable)
  const timeout = checkWaitMs('options.timeoutMs', 'WSAWaitForMultipleEvents', options.timeoutMs)
  if (events.length === 0 || events.length > WSA_MAXIMUM_WAIT_EVENTS) {
    throw invalidArgument('WSAWaitForMultipleEvents', `wait on 1 to ${WSA_MAXIMUM_WAIT_EVENTS} events, not ${events.length}`)
  }
  for (const e of events) {
    if (!isWsaEvent(e)) throw invalidType('events[i]', 'a WsaEvent', e)
    if (e.closed) throw systemError(9, 'WSAWaitForMultipleEvents', 'an event in the array is closed')
  }
  if (waitAll && new Set(events).size !== events.length) {
    throw invalidArgument('WSAWaitForMultipleEvents', 'the same event twice in a wait-all')
  }

  const satisfied = (): number => {
    if (waitAll) return events.every((e) => e.signaled) ? WSA_WAIT_EVENT_0 : -1
    const i = events.findIndex((e) => e.signaled)
    return i < 0 ? -1 : WSA_WAIT_EVENT_0 + i
  }

  const now = satisfied()
  if (now >= 0) return now
  if (alertable && hasQueuedApcs()) {
    runApcs()
    return WAIT_IO_COMPLETION
  }
  if (timeout === 0) return WSA_WAIT_TIMEOUT

  return new Promise<number>((resolve, reject) => {
    const cleanups: Array<() => void> = []
    const finish = (settle: () => void) => {
      for (const c of cleanups) c()
      settle()
    }
    const onEvent = () => {
      if (events.some((e) => e.closed)) {
        finish(() => reject(systemError(9, 'WSAWaitForMultipleEvents', 'an event was closed during the wait')))
        return
      }
      const r = satisfied()
      if (r >= 0) finish(() => resolve(r))
    }
    for (const e of events) {
      const waiters = waitersOf(e)
      waiters.add(onEvent)
      cleanups.push(() => waiters.delete(onEvent))
    }
    if (timeout !== Infinity) {
      const timer = setTimeout(() => finish(() => resolve(WSA_WAIT_TIMEOUT)), timeout)
      cleanups.push(() => clearTimeout(timer))
    }
    if (alertable) cleanups.push(addAlertableWaiter(() => finish(() => resolve(WAIT_IO_COMPLETION))))
  })
}
