// The 'completion-routine' driver's alertable wait. Completion routines run only while the thread
// sits in an alertable wait (SleepEx(…, TRUE)), so one SleepEx(INFINITE, TRUE) loop is kept going
// while an operation the driver posted is in flight, and stops once none is. A pending sleepEx has
// no timer, so it keeps nothing alive: the operations in flight do, unless unref'd
// (test/drivers-lifetime.test.ts).
import { sleepEx } from '../apc.js'
import type { CompletionRoutine } from '../overlapped.js'

// Operations posted with postAlertable() whose routine has not run yet (this thread's).
let inFlight = 0
let waiting = false

async function wait(): Promise<void> {
  waiting = true
  while (inFlight > 0) await sleepEx(Infinity, true)
  waiting = false
}

/** The routine to post operations with through postAlertable(): it runs `then`. */
export function countedRoutine(then: CompletionRoutine): CompletionRoutine {
  return (error, bytes, ov, flags) => {
    inFlight--
    then(error, bytes, ov, flags)
  }
}

/**
 * Posts an operation with `post` (which throws as the call does), with a routine made by
 * countedRoutine(), and keeps the alertable wait going until that routine has run.
 */
export function postAlertable(post: () => void): void {
  post()
  inFlight++
  if (!waiting) void wait()
}
