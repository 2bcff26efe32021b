// Asynchronous procedure calls: completion routines wait here until an alertable wait (sleepEx,
// or waitForMultipleEvents with alertable) runs them, in completion order, never re-entrantly.
// JavaScript has one thread, as the Win32 thread that issued the I/O does; every pending
// alertable wait is a wait of that thread, so all of them are woken when routines have run.
import { WAIT_IO_COMPLETION } from './constants.js'
import { invalidArgument, invalidType } from './errors.js'

const queue: Array<() => void> = []
const alertableWaiters = new Set<() => void>()
let running = false
let wakeScheduled = false

/** QueueUserAPC, as the engine does for a completed operation that has a routine. */
export function queueApc(routine: () => void): void {
  queue.push(routine)
  // After the whole batch of completions, so that one wake-up runs all of them.
  if (!wakeScheduled && alertableWaiters.size > 0) {
    wakeScheduled = true
    queueMicrotask(wakeAlertable)
  }
}

export function hasQueuedApcs(): boolean {
  return queue.length > 0 && !running
}

/** Runs every queued routine, in order. Returns false if routines were already running. */
export function runApcs(): boolean {
  if (running) return false
  running = true
  try {
    while (queue.length > 0) {
      const routine = queue.shift()!
      try {
        routine()
      } catch (err) {
        // A throwing routine is an uncaught exception, like a throwing event listener; the
        // routines after it still run.
        queueMicrotask(() => {
          throw err
        })
      }
    }
  } finally {
    running = false
  }
  return true
}

/** @internal Registers an alertable wait; `wake` is called once routines have run. */
export function addAlertableWaiter(wake: () => void): () => void {
  alertableWaiters.add(wake)
  if (queue.length > 0 && !wakeScheduled) {
    wakeScheduled = true
    queueMicrotask(wakeAlertable)
  }
  return () => alertableWaiters.delete(wake)
}

function wakeAlertable(): void {
  wakeScheduled = false
  if (alertableWaiters.size === 0 || queue.length === 0 || running) return
  runApcs()
  const waiters = [...alertableWaiters]
  alertableWaiters.clear()
  for (const wake of waiters) wake()
}

export function checkWaitMs(name: string, syscall: string, ms: unknown): number {
  if (ms === undefined || ms === Infinity) return Infinity
  if (typeof ms !== 'number') throw invalidType(name, 'a number', ms)
  if (Number.isNaN(ms) || ms < 0 || ms > 2 ** 31 - 1) {
    throw invalidArgument(syscall, `The "${name}" argument must be from 0 to ${2 ** 31 - 1}, or Infinity`)
  }
  return Math.ceil(ms)
}

/**
 * SleepEx. Resolves 0 when `ms` has passed, or WAIT_IO_COMPLETION (192) as soon as completion
 * routines have run, if `alertable`. Routines already queued run at once. Never blocks the thread.
 */
export async function sleepEx(ms: number, alertable: boolean): Promise<number> {
  // `ms` is required, as in SleepEx: a forgotten argument must not become an infinite wait
  // (checkWaitMs reads undefined as "no time-out" for the optional time-outs elsewhere).
  if (ms === undefined) throw invalidType('ms', 'a number (Infinity for no time-out)', ms)
  const timeout = checkWaitMs('ms', 'SleepEx', ms)
  if (typeof alertable !== 'boolean') throw invalidType('alertable', 'a boolean', alertable)
  if (alertable && hasQueuedApcs()) {
    runApcs()
    return WAIT_IO_COMPLETION
  }
  if (timeout === 0) return 0
  return new Promise<number>((resolve) => {
    let stopWaiting: (() => void) | undefined
    const timer = timeout === Infinity ? undefined : setTimeout(() => {
      stopWaiting?.()
      resolve(0)
    }, timeout)
    if (alertable) {
      stopWaiting = addAlertableWaiter(() => {
        if (timer) clearTimeout(timer)
        resolve(WAIT_IO_COMPLETION)
      })
    }
  })
}
