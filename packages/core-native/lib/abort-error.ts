// How the copiers say "aborted": the errno their native jobs report, and the error a caller gets.
import { constants } from 'node:os'
import { invalidType } from './errors.js'

/** What a native copy job reports when abort() stopped it: ECANCELED, as this platform numbers it. */
export const ECANCELED: number = constants.errno.ECANCELED

/**
 * An AbortError as Node's fs functions raise it: name 'AbortError', code 'ABORT_ERR', the signal's
 * reason as `cause`. @wsm/fs-iocp rejects with it too.
 */
export function abortError(signal: AbortSignal): Error & { code: 'ABORT_ERR' } {
  if (!(signal instanceof AbortSignal)) throw invalidType('signal', 'an AbortSignal', signal)
  const err = new Error('The operation was aborted', { cause: signal.reason }) as Error & { code: 'ABORT_ERR' }
  err.name = 'AbortError'
  err.code = 'ABORT_ERR'
  return err
}
