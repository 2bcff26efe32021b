// Helpers for WSAAsyncSelect / WSAEventSelect (models 2 and 3): collectors that gather the network
// events of the sockets they select, in the order they are delivered, for either model; a Node
// `net` peer (the only way here to send a TCP reset); bounded waits and quiet periods.
//
// Events arrive on later turns of the event loop. Waits poll with a bound (WAIT_MS) and fail with a
// message naming what was awaited; `quiet()` lets a short settle pass and returns what arrived in
// it, for absence checks ("no second FD_READ"), never for timing.
import { once } from 'node:events'
import net from 'node:net'
import { performance } from 'node:perf_hooks'
import { afterEach } from 'vitest'
import {
  FD_ACCEPT,
  FD_CLOSE,
  FD_CONNECT,
  FD_OOB,
  FD_READ,
  FD_WRITE,
  MessageWindow,
  Socket,
  WsaEvent,
  WsmError,
  asyncSelect,
  enumNetworkEvents,
  eventSelect,
} from '../../lib/index.js'
import { WAIT_MS, delay } from './time.js'

export const WSAECONNRESET = 10054
/** FD_CLOSE's error for the peer's reset, as Windows records it (recv and send give WSAECONNRESET). */
export const WSAECONNABORTED = 10053
export const WSAECONNREFUSED = 10061

/** The order Winsock posts network events in when several are due at once. */
export const DELIVERY_ORDER = [FD_CONNECT, FD_ACCEPT, FD_OOB, FD_READ, FD_WRITE, FD_CLOSE] as const

export const FD_NAMES: Readonly<Record<number, string>> = {
  [FD_READ]: 'READ',
  [FD_WRITE]: 'WRITE',
  [FD_OOB]: 'OOB',
  [FD_ACCEPT]: 'ACCEPT',
  [FD_CONNECT]: 'CONNECT',
  [FD_CLOSE]: 'CLOSE',
}

/** The settle of an absence check: long enough for the reactor to have run many times over. */
export const SETTLE_MS = 80

export type Mode = 'async' | 'event'
export const MODES: readonly Mode[] = ['async', 'event']

export interface NetEvent {
  socket: Socket
  event: number
  error: number
  /** The message number (asyncSelect only). */
  msg?: number
}

/** 'READ', or 'CLOSE(10054)' when the error is not 0: compact, for toEqual on sequences. */
export function label(e: NetEvent): string {
  const name = FD_NAMES[e.event] ?? `0x${e.event.toString(16)}`
  return e.error === 0 ? name : `${name}(${e.error})`
}

/**
 * The network events of the sockets selected through it, in delivery order. One interface for
 * both models, so that the re-enabling rules (shared by the two) run as the same scenario on each:
 * - 'async': a MessageWindow; each message is one event.
 * - 'event': a WsaEvent per selection; whenever it is signalled, enumNetworkEvents reads (and
 *   clears) the record of each socket on it, and each bit of the record is one event, in
 *   DELIVERY_ORDER. Pumped by the waits below, so it sees whatever a polling user would see.
 */
export class Collector {
  readonly events: NetEvent[] = []
  readonly window: MessageWindow | null
  /** The msg number asyncSelect is given (async mode). */
  readonly msg: number
  /** event-mode selections: each socket and the event it signals. */
  readonly #eventOf = new Map<Socket, WsaEvent>()
  readonly #ownEvents = new Set<WsaEvent>()
  #closed = false

  constructor(
    readonly mode: Mode,
    msg = 0x400 + 1, // WM_USER + 1, as Winsock programs do
  ) {
    this.msg = msg
    this.window =
      mode === 'async'
        ? new MessageWindow((m, socket, event, error) => {
            this.events.push({ msg: m, socket, event, error })
          })
        : null
    collectors.add(this)
  }

  /** WSAAsyncSelect or WSAEventSelect (a new event per socket, unless `event` is given). */
  select(s: Socket, mask: number, event?: WsaEvent): void {
    if (this.window) {
      asyncSelect(s, this.window, this.msg, mask)
      return
    }
    let ev = event ?? this.#eventOf.get(s)
    if (!ev || ev.closed) {
      ev = new WsaEvent()
      this.#ownEvents.add(ev)
    }
    eventSelect(s, ev, mask)
    this.#eventOf.set(s, ev)
  }

  /** The event a socket is selected with (event mode). */
  eventOf(s: Socket): WsaEvent {
    const ev = this.#eventOf.get(s)
    if (!ev) throw new Error('not selected through this collector in event mode')
    return ev
  }

  /**
   * An accepted socket inherits its listener's selection; in event mode the collector must also
   * know it, to enumerate its record when the (shared) event is signalled.
   */
  adopt(accepted: Socket, listener: Socket): void {
    if (!this.window) this.#eventOf.set(accepted, this.eventOf(listener))
  }

  /** asyncSelect(s, w, msg, 0) or eventSelect(s, e, 0). */
  cancel(s: Socket): void {
    if (this.window) asyncSelect(s, this.window, this.msg, 0)
    else eventSelect(s, this.eventOf(s), 0)
  }

  /** Event mode: reads the record of every socket whose event is signalled. Async: nothing to do. */
  pump(): void {
    if (this.window) return
    const signalled = new Set([...this.#eventOf.values()].filter((e) => !e.closed && e.signaled))
    if (signalled.size === 0) return
    for (const [s, ev] of this.#eventOf) {
      if (!signalled.has(ev) || s.closed) continue
      const record = enumNetworkEvents(s, ev)
      for (const bit of DELIVERY_ORDER) {
        if (record.events & bit) this.events.push({ socket: s, event: bit, error: record.errors[bit]! })
      }
    }
  }

  /** The events of `s` so far (or of all sockets), as labels. */
  labels(s?: Socket): string[] {
    this.pump()
    return this.events.filter((e) => !s || e.socket === s).map(label)
  }

  /** Removes and returns the events so far (of `s` only, if given). */
  take(s?: Socket): NetEvent[] {
    this.pump()
    const out: NetEvent[] = []
    for (let i = 0; i < this.events.length; ) {
      if (!s || this.events[i]!.socket === s) out.push(...this.events.splice(i, 1))
      else i++
    }
    return out
  }

  /** Waits until `predicate` holds (pumping meanwhile), at most `ms`. */
  async until(predicate: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
    const deadline = Date.now() + ms
    for (;;) {
      this.pump()
      if (predicate()) return
      if (Date.now() > deadline) {
        throw new Error(`gave up after ${ms} ms waiting for ${what}; so far: ${JSON.stringify(this.labels())}`)
      }
      await delay(2)
    }
  }

  /** Waits for an event `bit` of `s` not yet taken; returns the first one, leaving it in place. */
  async next(s: Socket, bit: number, what = `FD_${FD_NAMES[bit]}`): Promise<NetEvent> {
    let found: NetEvent | undefined
    await this.until(() => (found = this.events.find((e) => e.socket === s && e.event === bit)) !== undefined, what)
    return found!
  }

  /**
   * Lets a quiet period pass (pumping) and returns (taking them) the events of `s` not yet taken:
   * those already there and those that came in it. `[]` means nothing more was delivered.
   */
  async quiet(s?: Socket, ms = SETTLE_MS): Promise<string[]> {
    const deadline = Date.now() + ms
    while (Date.now() < deadline) {
      this.pump()
      await delay(5)
    }
    return this.take(s).map(label)
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.window?.close()
    for (const ev of this.#ownEvents) ev.close()
    collectors.delete(this)
  }
}

const collectors = new Set<Collector>()

/** Closes every collector (its window, its events) after each test. */
export function useCollectorCleanup(): void {
  afterEach(closeCollectors)
}

export function closeCollectors(): void {
  for (const c of [...collectors]) c.close()
}

// ---------------------------------------------------------------------------------------------
// Data movement without any model (so the tests of one model do not lean on another).

/** recv until EWOULDBLOCK or the orderly close; the bytes taken. Throws other errors. */
export function drain(s: Socket, chunk = 64 * 1024): number {
  const buf = new Uint8Array(chunk)
  let total = 0
  for (;;) {
    let n: number
    try {
      n = s.recv(buf)
    } catch (e) {
      if (e instanceof WsmError && e.code === 'EWOULDBLOCK') return total
      throw e
    }
    if (n === 0) return total
    total += n
  }
}

/** send until EWOULDBLOCK (the send that fails is the one that re-arms FD_WRITE); bytes sent. */
export function fillUntilBlocked(s: Socket): number {
  const chunk = new Uint8Array(256 * 1024)
  let total = 0
  for (let i = 0; i < 4096; i++) {
    try {
      total += s.send(chunk)
    } catch (e) {
      if (e instanceof WsmError && e.code === 'EWOULDBLOCK') return total
      throw e
    }
  }
  throw new Error(`send never blocked after ${total} bytes`)
}

/** Receives (polling, without a model) until `n` bytes have been taken from `s`. */
export async function drainExactly(s: Socket, n: number): Promise<void> {
  let got = 0
  const deadline = Date.now() + WAIT_MS
  while (got < n) {
    got += drain(s)
    if (got >= n) return
    if (Date.now() > deadline) throw new Error(`only ${got} of ${n} bytes came within ${WAIT_MS} ms`)
    await delay(1)
  }
}

// ---------------------------------------------------------------------------------------------
// A Node `net` peer: net.Socket#resetAndDestroy() sends a TCP reset (RST), which the core cannot.

export interface NodePeer {
  port: number
  /** The next connection the server accepts. */
  next(): Promise<net.Socket>
}

const servers = new Set<net.Server>()
const nodeSockets = new Set<net.Socket>()

export async function nodePeer(): Promise<NodePeer> {
  const server = net.createServer()
  servers.add(server)
  const queue: net.Socket[] = []
  const waiting: Array<(s: net.Socket) => void> = []
  server.on('connection', (s) => {
    nodeSockets.add(s)
    s.on('error', () => {}) // resets, EPIPE: the tests look at the other side
    const w = waiting.shift()
    if (w) w(s)
    else queue.push(s)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    port: (server.address() as net.AddressInfo).port,
    next: () => {
      const s = queue.shift()
      if (s) return Promise.resolve(s)
      return new Promise<net.Socket>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no connection at the Node peer within ${WAIT_MS} ms`)), WAIT_MS)
        waiting.push((c) => {
          clearTimeout(timer)
          resolve(c)
        })
      })
    },
  }
}

/** Destroys every Node peer socket and server. */
export async function closeNodePeers(): Promise<void> {
  for (const s of nodeSockets) s.destroy()
  nodeSockets.clear()
  await Promise.all([...servers].map((s) => new Promise((resolve) => s.close(resolve))))
  servers.clear()
}

/** Writes and resolves once Node has handed the bytes to the kernel. */
export function writeAll(s: net.Socket, data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => s.write(data, (err) => (err ? reject(err) : resolve())))
}

// ---------------------------------------------------------------------------------------------

/**
 * The share of a quiet period the event loop spent busy (performance.eventLoopUtilization): near 0
 * for a loop that sleeps in epoll_wait, near 1 for one woken again and again by readiness nobody
 * consumes (a level-triggered descriptor left registered). A ratio, not a duration.
 */
export async function loopUtilizationOver(ms = 200): Promise<number> {
  const start = performance.eventLoopUtilization()
  await delay(ms)
  return performance.eventLoopUtilization(start).utilization
}
