import { native, type NativeSelectWaiter, type NativeSocketHandle } from './binding.js'
import { invalidArgument, invalidType, systemError } from './errors.js'
import { isFdSet, retainOnly, type FdSet } from './fd-set.js'
import { nativeHandleOf, observeSocket, type Socket } from './socket.js'

export interface SelectSets {
  read?: FdSet
  write?: FdSet
  except?: FdSet
}

export interface SelectOptions {
  /**
   * Whether the pending wait keeps the process alive (true by default), as a ref'd or unref'd
   * Node handle does. Winsock has no such notion: a server that selects on connections it has
   * unref'd passes false, so that it does not hold the process up for them.
   */
  ref?: boolean
}

// The per-socket masks of src/models/select.h (SelectSet), shared with lib/wsa-poll.ts.
export const READ = 1
export const WRITE = 2
export const EXCEPT = 4
const SET_BITS = [
  ['read', READ],
  ['write', WRITE],
  ['except', EXCEPT],
] as const

// setTimeout's ceiling; Winsock's timeval goes further, but nobody waits 24 days in one select.
const MAX_TIMEOUT_MS = 2 ** 31 - 1

/**
 * Winsock's `select()`. Resolves the number of ready sockets counted over the three sets (a
 * socket ready in two sets counts twice), after rewriting each set to hold only its ready
 * sockets. `timeoutMs` 0 polls, undefined (or Infinity) waits for ever; 0 is resolved on time-out.
 *
 * - read:   data to read, an orderly close or a reset; for a listener, a connection to accept
 * - write:  a non-blocking connect that succeeded; room to send
 * - except: a non-blocking connect that failed; out-of-band data
 *
 * Like Winsock, it is an error (EINVAL) to select on no socket at all, and a closed socket in a
 * set is ENOTSOCK. A socket closed while the select waits ends the wait: in the read set, it is
 * resolved there (count 1); in the other sets only, ENOTSOCK with the sets emptied. The wait happens on Node's event
 * loop (an epoll set watched by libuv), never on the JavaScript thread, and keeps the process alive
 * unless `options.ref` is false.
 */
export async function select(sets: SelectSets, timeoutMs?: number, options: SelectOptions = {}): Promise<number> {
  if (typeof sets !== 'object' || sets === null) throw invalidType('sets', 'an object', sets)
  const timeout = checkTimeout(timeoutMs)
  if (typeof options !== 'object' || options === null) throw invalidType('options', 'an object', options)
  const { ref = true } = options
  if (typeof ref !== 'boolean') throw invalidType('options.ref', 'a boolean', ref)

  // One entry per socket, with the sets it is in: the kernel is asked once per socket.
  const wanted = new Map<Socket, number>()
  for (const [name, bit] of SET_BITS) {
    const set = sets[name]
    if (set === undefined) continue
    if (!isFdSet(set)) throw invalidType(`sets.${name}`, 'an FdSet', set)
    for (const s of set) wanted.set(s, (wanted.get(s) ?? 0) | bit)
  }
  if (wanted.size === 0) throw invalidArgument('select', 'all three sets are empty')

  const sockets = [...wanted.keys()]
  const masks = Uint8Array.from(wanted.values())
  const handles = sockets.map(handleOf)

  const ready = await waitReady(sockets, handles, masks, timeout, ref, SELECT_RULES, (closed) => closedDuringSelect(closed, sets, sockets, masks))
  return rewriteSets(sets, sockets, ready)
}

/**
 * What a select gets when a socket in its sets is closed during the wait. Windows ends the wait at
 * the close (Wine's test_select, "Close the socket currently being selected"): a socket in the read
 * set comes back in it, alone (a recv would not block: it fails); one only in the write or except
 * set fails the select with WSAENOTSOCK, the sets emptied. Guarded by test/conformance/select.test.ts.
 */
function closedDuringSelect(closed: Socket, sets: SelectSets, sockets: Socket[], masks: Uint8Array): Uint8Array {
  const ready = new Uint8Array(masks.length)
  const i = sockets.indexOf(closed)
  if ((masks[i] ?? 0) & READ) {
    ready[i] = READ
    return ready
  }
  rewriteSets(sets, sockets, ready)
  throw systemError(88, 'select', 'a socket in the sets was closed during the wait')
}

/** Whose readiness rules a wait applies (src/models/select.h, ReadinessRules). */
export const SELECT_RULES = 0
export const WSAPOLL_RULES = 1

function checkTimeout(timeoutMs: number | undefined): number {
  if (timeoutMs === undefined || timeoutMs === Infinity) return Infinity
  if (typeof timeoutMs !== 'number') throw invalidType('timeoutMs', 'a number', timeoutMs)
  if (Number.isNaN(timeoutMs) || timeoutMs < 0 || timeoutMs > MAX_TIMEOUT_MS) {
    throw invalidArgument('select', `The "timeoutMs" argument must be from 0 to ${MAX_TIMEOUT_MS}, or undefined`)
  }
  return Math.ceil(timeoutMs)
}

function handleOf(socket: Socket): NativeSocketHandle {
  const handle = nativeHandleOf(socket)
  if (socket.closed) throw systemError(88, 'select', 'a socket in the sets is closed')
  return handle
}

/**
 * @internal The wait of select and WSAPoll: the ready masks of `handles` (asked `masks`, answered
 * by `rules`) as soon as one is ready, or all zero after `timeout` ms. A socket closed during the
 * wait ends it with what `whenClosed` returns (or throws).
 */
export function waitReady(
  sockets: Socket[],
  handles: NativeSocketHandle[],
  masks: Uint8Array,
  timeout: number,
  ref: boolean,
  rules: number,
  whenClosed: (closing: Socket) => Uint8Array,
): Promise<Uint8Array> {
  const now = native.selectPoll(handles, masks, rules)
  if (timeout === 0 || now.some((m) => m !== 0)) return Promise.resolve(now)

  return new Promise<Uint8Array>((resolve, reject) => {
    let waiter: NativeSelectWaiter | undefined = arm()
    const timer = timeout === Infinity ? undefined : setTimeout(() => settle(() => resolve(new Uint8Array(masks.length))), timeout)
    if (!ref) timer?.unref()
    const unobserve = sockets.map((s) =>
      observeSocket(s, (change) => {
        if (change === 'close') {
          settle(() => {
            try {
              resolve(whenClosed(s))
            } catch (e) {
              reject(e)
            }
          })
        } else {
          // connect() or listen() during the wait: the kernel must be asked different questions.
          waiter?.close()
          const ready = native.selectPoll(handles, masks, rules)
          if (ready.some((m) => m !== 0)) settle(() => resolve(ready))
          else waiter = arm()
        }
      }),
    )

    function arm() {
      return new native.SelectWaiter(
        handles,
        masks,
        (ready) => {
          waiter = undefined
          settle(() => resolve(ready))
        },
        ref,
        rules,
      )
    }

    function settle(finish: () => void) {
      waiter?.close()
      waiter = undefined
      if (timer) clearTimeout(timer)
      for (const stop of unobserve) stop()
      finish()
    }
  })
}

function rewriteSets(sets: SelectSets, sockets: Socket[], ready: Uint8Array): number {
  let count = 0
  for (const [name, bit] of SET_BITS) {
    const set = sets[name]
    if (!set) continue
    const inSet = new Set<Socket>()
    sockets.forEach((s, i) => {
      if ((ready[i] ?? 0) & bit && set.has(s)) inSet.add(s)
    })
    retainOnly(set, inSet)
    count += inSet.size
  }
  return count
}
