import { FD_SETSIZE } from './constants.js'
import { invalidArgument, invalidType, systemError } from './errors.js'
import { isSocket, type Socket } from './socket.js'

const MAX_CAPACITY = 1 << 20

/**
 * Winsock's `fd_set`: an ordered set of sockets with a fixed capacity (FD_SETSIZE, 64, unless
 * given). `add` is FD_SET, `delete` FD_CLR, `has` FD_ISSET, `clear` FD_ZERO. Unlike the C macro,
 * which silently drops the 65th socket, `add` past the capacity throws ENOBUFS.
 */
export class FdSet implements Iterable<Socket> {
  readonly capacity: number
  #sockets = new Set<Socket>()

  constructor(sockets?: Iterable<Socket>, capacity: number = FD_SETSIZE) {
    if (typeof capacity !== 'number') throw invalidType('capacity', 'a number', capacity)
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY) {
      throw invalidArgument('FdSet', `The "capacity" argument must be an integer from 1 to ${MAX_CAPACITY}`)
    }
    this.capacity = capacity
    if (sockets !== undefined) {
      if (sockets === null || typeof (sockets as Iterable<Socket>)[Symbol.iterator] !== 'function') {
        throw invalidType('sockets', 'an iterable of Socket', sockets)
      }
      for (const s of sockets) this.add(s)
    }
  }

  /** FD_SET. Adding a socket already in the set does nothing. */
  add(socket: Socket): void {
    if (!isSocket(socket)) throw invalidType('socket', 'a Socket', socket)
    if (this.#sockets.has(socket)) return
    if (this.#sockets.size >= this.capacity) {
      throw systemError(105, 'FD_SET', `the set is full (capacity ${this.capacity}; FD_SETSIZE is ${FD_SETSIZE})`)
    }
    this.#sockets.add(socket)
  }

  /** FD_CLR. */
  delete(socket: Socket): boolean {
    return this.#sockets.delete(socket)
  }

  /** FD_ISSET. */
  has(socket: Socket): boolean {
    return this.#sockets.has(socket)
  }

  /** FD_ZERO. */
  clear(): void {
    this.#sockets.clear()
  }

  get size(): number {
    return this.#sockets.size
  }

  [Symbol.iterator](): Iterator<Socket> {
    return this.#sockets.values()
  }

  /** @internal select(): keep only the sockets in `ready`, in their order. */
  retainOnly(ready: ReadonlySet<Socket>): void {
    for (const s of this.#sockets) if (!ready.has(s)) this.#sockets.delete(s)
  }
}

/** @internal */
export function isFdSet(value: unknown): value is FdSet {
  return value instanceof FdSet
}
