// SIGINT and SIGTERM abort the copy through its AbortSignal, so the API removes what it had
// started (test/cli-signals.test.ts). A second signal exits at once, for a user who will not wait.
import { exitForSignal } from './exit-codes.js'

export type InterruptSignal = 'SIGINT' | 'SIGTERM'

export interface Interrupt {
  signal: AbortSignal
  /** The signal that aborted the copy, if one did. */
  readonly received: InterruptSignal | undefined
  dispose(): void
}

export function abortOnInterrupt(): Interrupt {
  const controller = new AbortController()
  let received: InterruptSignal | undefined
  const onSignal = (name: InterruptSignal) => {
    if (received) process.exit(exitForSignal(name))
    received = name
    controller.abort(new Error(`interrupted by ${name}`))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    signal: controller.signal,
    get received() {
      return received
    },
    dispose() {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  }
}
