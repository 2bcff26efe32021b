// WSAPoll: the readiness of an array of sockets, in poll(2)'s terms with Windows' rules (Wine's
// test_WSAPoll: test/conformance/wsa-poll.test.ts). The wait is select's (lib/select.ts,
// waitReady): an epoll set on Node's loop, never the JavaScript thread.
import { native } from './binding.js'
import { POLLERR, POLLHUP, POLLNVAL, POLLRDBAND, POLLRDNORM, POLLWRNORM } from './constants.js'
import { invalidArgument, invalidType } from './errors.js'
import type { SelectOptions } from './select.js'
import { EXCEPT, READ, WRITE, WSAPOLL_RULES, waitReady } from './select.js'
import { isSocket, nativeHandleOf, type Socket } from './socket.js'

/** WSAPOLLFD: the socket, what is asked (`events`), and what `wsaPoll` found (`revents`). */
export interface WsaPollFd {
  socket: Socket
  events: number
  revents?: number
}

// The events WSAPoll takes; any other bit (POLLPRI included: Microsoft's provider refuses it) is WSAEINVAL.
const ASKABLE = POLLRDNORM | POLLRDBAND | POLLWRNORM
// WSAPoll's answers beyond select's masks (src/models/select.h), and the bit for "closed".
const ERROR = 8
const HANGUP = 16
const CLOSED = 32
const MAX_TIMEOUT_MS = 2 ** 31 - 1

/**
 * `WSAPoll(fdArray, fds, timeout)`. Sets `revents` on every entry and resolves the number of
 * entries whose `revents` is not 0 (0 on time-out). `timeoutMs` below 0 (the default) waits for
 * ever, 0 polls. `events` combines POLLRDNORM, POLLRDBAND (POLLIN is both) and POLLWRNORM
 * (POLLOUT); POLLERR and POLLHUP are reported whatever is asked, and a closed socket is POLLNVAL,
 * also one closed during the wait. An empty array, an event Windows refuses, or no open socket at
 * all is EINVAL.
 */
export async function wsaPoll(fds: WsaPollFd[], timeoutMs = -1, options: SelectOptions = {}): Promise<number> {
  if (!Array.isArray(fds)) throw invalidType('fds', 'an array of { socket, events }', fds)
  const entries: WsaPollFd[] = Array.prototype.slice.call(fds)
  if (entries.length === 0) throw invalidArgument('WSAPoll', 'the array holds no socket')
  const timeout = checkTimeout(timeoutMs)
  if (typeof options !== 'object' || options === null) throw invalidType('options', 'an object', options)
  const { ref = true } = options
  if (typeof ref !== 'boolean') throw invalidType('options.ref', 'a boolean', ref)
  const asked = entries.map((entry, i) => checkEntry(entry, i))

  const open: number[] = []
  entries.forEach((e, i) => {
    if (!e.socket.closed) open.push(i)
  })
  if (open.length === 0) throw invalidArgument('WSAPoll', 'none of the sockets is open')
  const sockets = open.map((i) => entries[i]!.socket)
  const masks = Uint8Array.from(open.map((i) => asked[i]!))
  // A closed socket is POLLNVAL at once: nothing to wait for.
  const wait = open.length < entries.length ? 0 : timeout
  const ready = await waitReady(sockets, sockets.map(nativeHandleOf), masks, wait, ref, WSAPOLL_RULES, (closing) =>
    pollWithout(sockets, masks, closing),
  )
  let count = 0
  for (const e of entries) e.revents = 0
  open.forEach((entryIndex, k) => {
    entries[entryIndex]!.revents = revents(ready[k]!)
  })
  for (const e of entries) {
    if (e.socket.closed && e.revents === 0) e.revents = POLLNVAL
    if (e.revents !== 0) count++
  }
  return count
}

function checkEntry(entry: unknown, i: number): number {
  if (typeof entry !== 'object' || entry === null) throw invalidType(`fds[${i}]`, 'an object { socket, events }', entry)
  const { socket, events } = entry as WsaPollFd
  if (!isSocket(socket)) throw invalidType(`fds[${i}].socket`, 'a Socket', socket)
  if (typeof events !== 'number') throw invalidType(`fds[${i}].events`, 'a number', events)
  if (!Number.isInteger(events) || events < 0 || (events & ~ASKABLE) !== 0) {
    throw invalidArgument('WSAPoll', `fds[${i}].events asks for what WSAPoll does not report (POLLRDNORM, POLLRDBAND and POLLWRNORM only)`)
  }
  return (events & POLLRDNORM ? READ : 0) | (events & POLLWRNORM ? WRITE : 0) | (events & POLLRDBAND ? EXCEPT : 0)
}

function checkTimeout(timeoutMs: number): number {
  if (typeof timeoutMs !== 'number') throw invalidType('timeoutMs', 'a number', timeoutMs)
  if (Number.isNaN(timeoutMs) || timeoutMs > MAX_TIMEOUT_MS) {
    throw invalidArgument('WSAPoll', `The "timeoutMs" argument must be at most ${MAX_TIMEOUT_MS} (below 0: for ever)`)
  }
  return timeoutMs < 0 ? Infinity : Math.ceil(timeoutMs)
}

// A socket of the wait is being closed: the answer is now, that socket POLLNVAL (CLOSED) and the
// others as they are.
function pollWithout(sockets: Socket[], masks: Uint8Array, closing: Socket): Uint8Array {
  const out = new Uint8Array(sockets.length)
  const still: number[] = []
  sockets.forEach((s, k) => {
    if (s === closing || s.closed) out[k] = CLOSED
    else still.push(k)
  })
  if (still.length === 0) return out
  const now = native.selectPoll(
    still.map((k) => nativeHandleOf(sockets[k]!)),
    Uint8Array.from(still.map((k) => masks[k]!)),
    WSAPOLL_RULES,
  )
  still.forEach((k, j) => (out[k] = now[j]!))
  return out
}

function revents(mask: number): number {
  if (mask & CLOSED) return POLLNVAL
  return (
    (mask & READ ? POLLRDNORM : 0) |
    (mask & WRITE ? POLLWRNORM : 0) |
    (mask & EXCEPT ? POLLRDBAND : 0) |
    (mask & ERROR ? POLLERR : 0) |
    (mask & HANGUP ? POLLHUP : 0)
  )
}
