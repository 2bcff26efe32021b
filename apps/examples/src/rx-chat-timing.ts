// The time-dependent parts of the rx chat, as operators over plain observables (no sockets), so
// that their timing is tested with RxJS's TestScheduler (test/rx-chat-timing.test.ts): batching
// with bufferTime, a per-client flood limit with groupBy, and the reconnect policy with retry.
import {
  bufferTime,
  debounceTime,
  filter,
  groupBy,
  map,
  mergeMap,
  repeat,
  retry,
  take,
  throwError,
  timer,
  windowTime,
  type MonoTypeOperatorFunction,
  type Observable,
  type OperatorFunction,
} from 'rxjs'

/**
 * The lines said within each `ms` joined into one text ('\n' after each), so a client gets one
 * write per period rather than one per line; a quiet period writes nothing.
 */
export function batchLines(ms: number): OperatorFunction<string, string> {
  return (lines: Observable<string>) =>
    lines.pipe(
      bufferTime(ms),
      filter((batch) => batch.length > 0),
      map((batch) => batch.map((line) => `${line}\n`).join('')),
    )
}

export interface FloodLimit {
  /** The most values one key may pass per window. */
  max: number
  /** The window, in ms; it starts at the key's first value after a quiet period. */
  perMs: number
}

/**
 * At most `max` values per key in each window of `perMs` (fixed windows from the key's first
 * value); the rest are dropped. groupBy gives each key its own window; a key quiet for `perMs` is
 * forgotten (its group completes), so departed clients hold no timer and no memory.
 */
export function limitPerKey<T, K>(keyOf: (value: T) => K, { max, perMs }: FloodLimit): MonoTypeOperatorFunction<T> {
  return (source) =>
    source.pipe(
      groupBy(keyOf, { duration: (group) => group.pipe(debounceTime(perMs)) }),
      mergeMap((group) => group.pipe(windowTime(perMs), mergeMap((window) => window.pipe(take(max))))),
    )
}

export interface ReconnectPolicy {
  /** Failed attempts in a row before giving up (the error is then the last attempt's). */
  count: number
  /** The wait before the first new attempt, doubled after each failure up to `maxDelayMs`. */
  firstDelayMs: number
  maxDelayMs: number
}

// The errors of a server that is not up yet, went away, or cannot be reached for now.
const TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'])

/** Whether a reconnect may help: a WsmError (or any error) whose `code` says the peer is away. */
export function isTransient(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && TRANSIENT.has(code)
}

/** The wait before attempt `attempt` (1, 2, …) after failures: exponential, capped. */
export function backoffMs(attempt: number, policy: ReconnectPolicy): number {
  return Math.min(policy.firstDelayMs * 2 ** (attempt - 1), policy.maxDelayMs)
}

/**
 * Subscribes to `session` again while it fails transiently (retry, with exponential backoff, up
 * to `count` failures in a row; a value resets the count) and after it completes (repeat, after
 * `firstDelayMs`: the server ended the session, so connect again). Any other error ends it at once.
 */
export function reconnect<T>(policy: ReconnectPolicy): MonoTypeOperatorFunction<T> {
  return (session) =>
    session.pipe(
      retry({
        count: policy.count,
        resetOnSuccess: true,
        delay: (err, attempt) => (isTransient(err) ? timer(backoffMs(attempt, policy)) : throwError(() => err)),
      }),
      repeat({ delay: () => timer(policy.firstDelayMs) }),
    )
}
