// The flags of recv and send: Winsock's MSG_OOB and MSG_PEEK (their values are Linux's too, but
// the native side maps them by name). Anything else is refused before the kernel sees it.
import { MSG_OOB, MSG_PEEK } from './constants.js'
import { invalidArgument, invalidType } from './errors.js'

const RECV_FLAGS = MSG_OOB | MSG_PEEK

/** The flags of `recv` (MSG_OOB, MSG_PEEK) or `send` (MSG_OOB), checked: 0 when omitted. */
export function messageFlags(flags: unknown, syscall: 'recv' | 'send'): number {
  if (flags === undefined) return 0
  if (typeof flags !== 'number') throw invalidType('flags', 'a number', flags)
  const allowed = syscall === 'recv' ? RECV_FLAGS : MSG_OOB
  if (!Number.isInteger(flags) || flags < 0 || (flags & ~allowed) !== 0) {
    throw invalidArgument(syscall, `The "flags" argument must combine ${syscall === 'recv' ? 'MSG_OOB and MSG_PEEK' : 'MSG_OOB'}, got ${flags}`)
  }
  return flags
}
