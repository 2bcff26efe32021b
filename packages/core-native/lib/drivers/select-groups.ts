// The 'select' driver's select loops. An fd_set holds at most FD_SETSIZE (64) sockets, so the
// driver's sockets are served in groups, one select loop per group, as Winsock programs run one
// thread per set. Each turn builds the group's read set (sockets that want to read or accept),
// write set (unfinished sends, connects in progress) and except set (connects in progress: a
// failed one shows there), waits in select(), then tells each ready member what it is ready for.
// Slot 0 of the read set is the group's wake-up socket (select-wake.ts): when a member's wishes
// change while the group waits, a byte on it restarts the wait on the new sets. A group whose last
// member has left stops its loop and closes its wake-up pair.
//
// What keeps the process alive: a group's pending select does, with { ref: true }, exactly when one
// of the members in its sets is ref'd (test/drivers-lifetime.test.ts); idle members in no set (a
// paused connection, one whose peer has ended) keep nothing alive, as no operation is in flight.
import { FD_SETSIZE } from '../constants.js'
import type { WsmError } from '../errors.js'
import { FdSet } from '../fd-set.js'
import { select } from '../select.js'
import type { Socket } from '../socket.js'
import type { ReadinessHooks } from './readiness-connection.js'
import { openWakePair, type WakePair } from './select-wake.js'

/** What a select found a member's socket ready for. `failed`: a connect in progress failed (except set). */
export type Ready = (readable: boolean, writable: boolean, failed: boolean) => void

// The wake-up socket takes one place of the read set.
const PER_GROUP = FD_SETSIZE - 1
// A group that could not make its wake-up pair (EMFILE, ...) goes on without, and then waits at
// most this long, so that its members' new wishes are heard within it.
const UNWOKEN_TURN_MS = 50
// After a select failed otherwise than by a member closed under it (epoll_create1: EMFILE, ENOMEM),
// the next turn waits this long: at once, it would fail at once, in a loop that starves the process.
const RETRY_MS = 100

class Group {
  readonly members = new Map<Socket, SelectMember>()
  wake: WakePair | undefined
  /** A select of this group is pending. */
  waiting = false
  /** The pending select's wake-up byte is sent. */
  woken = false

  /** A member's wishes changed: a pending select restarts on the new sets. */
  changed(): void {
    if (!this.waiting || this.woken || this.wake === undefined) return
    this.woken = true
    this.wake.signal()
  }
}

// This thread's groups (each module instance is per thread, as a Worker loads its own).
const groups: Group[] = []

/** A socket in a group: what it wants selected, and where the answer goes. */
export class SelectMember implements ReadinessHooks {
  readonly #socket: Socket
  readonly #group: Group
  #ready: Ready
  #read = false
  #write = false
  #connect = false
  #ref = true

  constructor(socket: Socket, group: Group, ready: Ready) {
    this.#socket = socket
    this.#group = group
    this.#ready = ready
  }

  /** In the read set: data, the peer's FIN or a reset to read; for a listener, a connection to accept. */
  wantRead(on: boolean): void {
    if (this.#read === on) return
    this.#read = on
    this.#group.changed()
  }

  /** In the write set: room to send. */
  wantWrite(on: boolean): void {
    if (this.#write === on) return
    this.#write = on
    this.#group.changed()
  }

  /** A non-blocking connect in progress: in the write set (it succeeded) and the except set (it failed). */
  wantConnect(on: boolean): void {
    if (this.#connect === on) return
    this.#connect = on
    this.#group.changed()
  }

  /** Whether this member keeps the process alive while it waits in a set. */
  ref(on: boolean): void {
    if (this.#ref === on) return
    this.#ref = on
    this.#group.changed()
  }

  /** Leaves the group: before the socket is closed. */
  forget(): void {
    if (this.#group.members.get(this.#socket) !== this) return
    this.#group.members.delete(this.#socket)
    this.#group.changed()
  }

  /** Where the readiness goes from now on (a connection's, once it is made over this socket). */
  onReady(ready: Ready): void {
    this.#ready = ready
  }

  /** @internal The group's turn: puts the socket in the sets it wants; whether it keeps the process alive. */
  selectIn(read: FdSet, write: FdSet, except: FdSet): boolean {
    // A member closed without leaving would fail every select at once (ENOTSOCK): never select it.
    if (this.#socket.closed) return false
    if (this.#read) read.add(this.#socket)
    if (this.#write || this.#connect) write.add(this.#socket)
    if (this.#connect) except.add(this.#socket)
    return this.#ref && (this.#read || this.#write || this.#connect)
  }

  /** @internal The group's turn: what the select found. */
  ready(readable: boolean, writable: boolean, failed: boolean): void {
    this.#ready(readable, writable, failed)
  }
}

/** `socket` joins a group with room (a new one when all are full), wanting nothing yet. */
export function join(socket: Socket, ready: Ready): SelectMember {
  let group = groups.find((g) => g.members.size < PER_GROUP)
  if (group === undefined) {
    group = new Group()
    groups.push(group)
    void serve(group)
  }
  const member = new SelectMember(socket, group, ready)
  group.members.set(socket, member)
  return member
}

/** @internal For tests: how many select loops this thread runs. */
export function selectGroupCount(): number {
  return groups.length
}

async function serve(group: Group): Promise<void> {
  try {
    group.wake = await openWakePair()
  } catch {
    // No descriptors for it (EMFILE, ...): the group turns every UNWOKEN_TURN_MS instead.
  }
  for (;;) {
    // Each turn starts from the event loop. A select resolves at once, from microtasks, when a
    // socket is ready already: turn after turn would then starve timers and other I/O, and a notice
    // would come before the code that awaited the previous one had run (a 'drop', then the dropped
    // connection's 'end' before the listener for it was added: drivers.test.ts maxConnections).
    await new Promise<void>((resolve) => setImmediate(resolve))
    if (group.members.size === 0) break
    await turn(group)
  }
  groups.splice(groups.indexOf(group), 1)
  group.wake?.close()
}

function delay(ms: number, keepAlive: boolean): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    if (!keepAlive) timer.unref()
  })
}

async function turn(group: Group): Promise<void> {
  const wake = group.wake
  const read = new FdSet(wake === undefined ? [] : [wake.receiver])
  const write = new FdSet()
  const except = new FdSet()
  let keepAlive = false
  for (const member of group.members.values()) {
    if (member.selectIn(read, write, except)) keepAlive = true
  }
  if (read.size + write.size + except.size === 0) return delay(UNWOKEN_TURN_MS, keepAlive)

  let failure: WsmError | undefined
  group.waiting = true
  try {
    await select({ read, write, except }, wake === undefined ? UNWOKEN_TURN_MS : undefined, { ref: keepAlive })
  } catch (err) {
    failure = err as WsmError
  }
  group.waiting = false
  group.woken = false
  if (failure !== undefined) {
    // ENOTSOCK: a member closed under the wait (it left first) in the write or except set only: the
    // next turn selects without it. (In the read set it ends the wait there, and is skipped below.)
    if (failure.code !== 'ENOTSOCK') await delay(RETRY_MS, keepAlive)
    return
  }

  if (wake !== undefined && read.has(wake.receiver)) wake.drain()
  for (const socket of new Set([...read, ...write, ...except])) {
    // A member may leave while an earlier one is served (a listener closing another connection).
    const member = group.members.get(socket)
    if (member === undefined) continue
    try {
      member.ready(read.has(socket), write.has(socket), except.has(socket))
    } catch (err) {
      // An exception of an event listener: uncaught, as from a net.Socket's; the loop goes on.
      process.nextTick(() => {
        throw err
      })
    }
  }
}
