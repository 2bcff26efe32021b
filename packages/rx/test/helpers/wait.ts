// Bounded waits, so that a test that hangs fails with what it waited for.
import { firstValueFrom, lastValueFrom, toArray, type Observable } from 'rxjs'

/** `promise`, or a rejection naming `what` after `ms`. */
export function within<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Every value of `source` until it completes. */
export function valuesOf<T>(source: Observable<T>, what: string, ms?: number): Promise<T[]> {
  return within(lastValueFrom(source.pipe(toArray())), what, ms)
}

/** The first value of `source`. */
export function firstOf<T>(source: Observable<T>, what: string, ms?: number): Promise<T> {
  return within(firstValueFrom(source), what, ms)
}

/** The error `source` ends with. */
export async function errorOf(source: Observable<unknown>, what: string, ms?: number): Promise<Error & { code?: string }> {
  try {
    await within(lastValueFrom(source, { defaultValue: undefined }), what, ms)
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error(`${what}: completed without an error`)
}

/** One turn of the event loop (completions are delivered from it). */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Polls `check` until it returns true, or fails naming `what`. */
export async function eventually(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}
