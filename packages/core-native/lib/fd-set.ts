import { FD_SETSIZE } from './constants.js'
import { invalidArgument, invalidThis, invalidType, systemError } from './errors.js'
import { isSocket, type Socket } from './socket.js'

const MAX_CAPACITY = 1 << 20

let isFdSetValue: (value: unknown) => value is FdSet
let retain: (set: FdSet, ready: ReadonlySet<Socket>) => void

/**
 * Winsock's `fd_set`: an ordered set of sockets with a fixed capacity (FD_SETSIZE, 64, unless
 * given). `add` is FD_SET, `delete` FD_CLR, `has` FD_ISSET, `clear` FD_ZERO. Unlike the C macro,
 * which silently drops the 65th socket, `add` past the capacity throws ENOBUFS.
 */
export class FdSet implements Iterable<Socket> {
  readonly #capacity: number
  readonly #sockets = new Set<Socket>()

  static {
    // The brand check of every method and getter (ERR_INVALID_THIS otherwise), and of select's sets.
    isFdSetValue = (value): value is FdSet => typeof value === 'object' && value !== null && #sockets in value
    retain = (set, ready) => {
      for (const s of set.#sockets) if (!ready.has(s)) set.#sockets.delete(s)
    }
  }

  constructor(sockets?: Iterable<Socket>, capacity: number = FD_SETSIZE) {
    if (typeof capacity !== 'number') throw invalidType('capacity', 'a number', capacity)
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY) {
      throw invalidArgument('FdSet', `The "capacity" argument must be an integer from 1 to ${MAX_CAPACITY}`)
    }
    this.#capacity = capacity
    if (sockets !== undefined) {
      // A typed array holds numbers, never sockets (and iterating a detached one throws V8's own error).
      if (sockets === null || ArrayBuffer.isView(sockets) || typeof (sockets as Iterable<Socket>)[Symbol.iterator] !== 'function') {
        throw invalidType('sockets', 'an iterable of Socket', sockets)
      }
      for (const s of sockets) this.add(s)
    }
  }

  /** How many sockets the set can hold. */
  get capacity(): number {
    if (!isFdSetValue(this)) throw invalidThis('FdSet')
    return this.#capacity
  }

  /** FD_SET. Adding a socket already in the set does nothing. */
  add(socket: Socket): void {
    if (!isFdSetValue(this)) throw invalidThis('FdSet')
    if (!isSocket(socket)) throw invalidType('socket', 'a Socket', socket)
    if (this.#sockets.has(socket)) return
    if (this.#sockets.size >= this.#capacity) {
      throw systemError(105, 'FD_SET', `the set is full (capacity ${this.#capacity}; FD_SETSIZE is ${FD_SETSIZE})`)
    }
    this.#sockets.add(socket)
  }

  /** FD_CLR. */
  delete(socket: Socket): boolean {
    if (!isFdSetValue(this)) throw invalidThis('FdSet')
    return this.#sockets.delete(socket)
  }

  /** FD_ISSET. */
  has(socket: Socket): boolean {
    if (!isFdSetValue(this)) throw invalidThis('FdSet')
    return this.#sockets.has(socket)
  }

  /** FD_ZERO. */
  clear(): void {
    if (!isFdSetValue(this)) throw invalidThis('FdSet')
    this.#sockets.clear()
  }

  get size(): number {
    if (!isFdSetValue(this)) throw invalidThis('FdSet')
    return this.#sockets.size
  }

  [Symbol.iterator](): Iterator<Socket> {
    if (!isFdSetValue(this)) throw invalidThis('FdSet')
    return this.#sockets.values()
  }
}

/** @internal A brand check: Object.create(FdSet.prototype) passes instanceof but holds no set. */
export function isFdSet(value: unknown): value is FdSet {
  return isFdSetValue(value)
}

/** @internal select(): keep only the sockets in `ready`, in their order. */
export function retainOnly(set: FdSet, ready: ReadonlySet<Socket>): void {
  retain(set, ready)
}
