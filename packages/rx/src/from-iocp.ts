// fromIocp: the packets of a CompletionPort as an Observable, drained with
// GetQueuedCompletionStatusEx by one loop per port, shared by every subscriber.
import { CompletionPort, type CompletionPacket } from '@wsm/core-native'
import { Observable, type Subscriber } from 'rxjs'
import { checkInteger, checkOptions, hasBrand } from './args.js'
import { invalidArgType } from './errors.js'

export interface FromIocpOptions {
  /**
   * The most packets one GetQueuedCompletionStatusEx takes (1 to 65536; 64 by default). The shared
   * loop takes the largest of its subscribers'. 1 takes no packet before it is emitted.
   */
  maxBatch?: number
}

export const DEFAULT_MAX_BATCH = 64

interface Entry {
  subscriber: Subscriber<CompletionPacket>
  maxBatch: number
}

/**
 * The one drain loop of a port. Packets are a hot source (one taken by a waiter is gone for the
 * others), so the subscribers share the loop and every one sees every packet from its subscription
 * on. The loop waits while anyone is subscribed; the last unsubscription gives its wait up (an
 * aborted wait takes no packet), so the port stays usable. Packets of a batch not yet emitted when
 * the last subscriber leaves are held and emitted first to the next subscriber
 * (test/from-iocp.test.ts).
 */
class PortDrain {
  readonly #port: CompletionPort
  // Replaced, never changed in place: a batch being emitted keeps the list it started a packet with.
  #entries: readonly Entry[] = []
  #held: CompletionPacket[] = []
  // One controller for every wait while anyone is subscribed (making one per wait was the drain's
  // largest cost per batch), aborted when the last one leaves and replaced at the next wait, or
  // every later wait would reject at once (test/from-iocp.test.ts, "unsubscribed while waiting").
  #wait: { controller: AbortController; options: { signal: AbortSignal } } | null = null
  #running = false

  constructor(port: CompletionPort) {
    this.#port = port
  }

  add(subscriber: Subscriber<CompletionPacket>, maxBatch: number): () => void {
    if (this.#port.closed) {
      subscriber.complete()
      return () => {}
    }
    const entry = { subscriber, maxBatch }
    this.#entries = [...this.#entries, entry]
    if (!this.#running) void this.#run()
    return () => this.#remove(entry)
  }

  #remove(entry: Entry): void {
    const i = this.#entries.indexOf(entry)
    if (i < 0) return
    this.#entries = this.#entries.filter((e) => e !== entry)
    if (this.#entries.length === 0) this.#wait?.controller.abort()
  }

  async #run(): Promise<void> {
    this.#running = true
    try {
      // Held packets go out from the event loop, not inside the subscribe() call of their receiver.
      await null
      while (this.#entries.length > 0) {
        if (this.#held.length > 0) {
          const held = this.#held
          this.#held = []
          this.#emit(held)
          continue
        }
        if (this.#wait === null || this.#wait.controller.signal.aborted) {
          const controller = new AbortController()
          this.#wait = { controller, options: { signal: controller.signal } }
        }
        const { signal } = this.#wait.options
        let packets: CompletionPacket[]
        try {
          packets = await this.#port.getQueuedCompletionStatusEx(this.#batchSize(), undefined, this.#wait.options)
        } catch (err) {
          if (signal.aborted) continue // the last subscriber left (another may have come since)
          this.#end(err)
          return
        }
        this.#emit(packets)
      }
    } finally {
      this.#running = false
    }
  }

  #batchSize(): number {
    let max = 1
    for (const e of this.#entries) if (e.maxBatch > max) max = e.maxBatch
    return max
  }

  #emit(packets: CompletionPacket[]): void {
    for (let i = 0; i < packets.length; i++) {
      const entries = this.#entries
      if (entries.length === 0) {
        for (let j = i; j < packets.length; j++) this.#held.push(packets[j]!)
        return
      }
      const packet = packets[i]!
      for (const { subscriber } of entries) if (!subscriber.closed) subscriber.next(packet)
    }
  }

  // The port closed (its waits reject with ECANCELED): every subscriber completes. Any other
  // failure of the wait is the port's, and an error notification.
  #end(err: unknown): void {
    const entries = this.#entries
    this.#entries = []
    this.#held = []
    for (const { subscriber } of entries) {
      if (this.#port.closed) subscriber.complete()
      else subscriber.error(err)
    }
  }
}

const drains = new WeakMap<CompletionPort, PortDrain>()

/**
 * The completion packets of `port` (GetQueuedCompletionStatusEx in a loop, one `next` per packet,
 * FIFO). Hot and shared: all subscriptions to any `fromIocp(port)` share one drain loop and each
 * sees every packet from its subscription on. A failed operation is a packet with `error` (and
 * `cause`), not an error notification. Completes when the port is closed; the port is never
 * closed by this function, and unsubscribing the last subscriber leaves it usable.
 */
export function fromIocp(port: CompletionPort, options?: FromIocpOptions): Observable<CompletionPacket> {
  if (!hasBrand(port, CompletionPort.prototype, 'closed')) throw invalidArgType('port', 'a CompletionPort', port)
  const o = checkOptions('options', options)
  const maxBatch = checkInteger('options.maxBatch', o.maxBatch, 1, 65536, DEFAULT_MAX_BATCH)
  return new Observable<CompletionPacket>((subscriber) => {
    let drain = drains.get(port)
    if (drain === undefined) drains.set(port, (drain = new PortDrain(port)))
    return drain.add(subscriber, maxBatch)
  })
}
