// The JavaScript end of the completion engine: operations in flight by id, and the one function
// the native loop calls per batch of completions (records [id, result, flags] in a shared
// Int32Array, so a batch of any size is one crossing and no allocation).
import { native } from './binding.js'

export interface PendingOperation {
  /** `result`: bytes transferred (or 0 for accept/connect), or -errno. */
  complete(result: number, flags: number): void
}

// Native ids are a slot (low 20 bits) and a generation: a slot table beats a Map on the hot path.
const SLOT_MASK = 0xfffff
const slots: Array<PendingOperation | undefined> = []
const slotIds: number[] = []
let records: Int32Array | undefined

function dispatch(count: number): void {
  const r = records!
  for (let i = 0; i < count; i++) {
    const id = r[i * 3]!
    const slot = id & SLOT_MASK
    const op = slots[slot]
    if (op === undefined || slotIds[slot] !== id) continue
    slots[slot] = undefined
    op.complete(r[i * 3 + 1]!, r[i * 3 + 2]!)
  }
}

/** Sets up the engine for this thread (once), before the first operation is started. */
export function ensureIo(): void {
  if (records === undefined) records = native.ioSetup(dispatch).records
}

/** Tracks a started native operation until its completion is dispatched. */
export function track(id: number, op: PendingOperation): void {
  const slot = id & SLOT_MASK
  slots[slot] = op
  slotIds[slot] = id
}

/** The operations in flight, with their ids. */
export function* pendingEntries(): Generator<[number, PendingOperation]> {
  for (let slot = 0; slot < slots.length; slot++) {
    const op = slots[slot]
    if (op !== undefined) yield [slotIds[slot]!, op]
  }
}

/** Operations in flight (engine's count), for tests and diagnostics. */
export function pendingOperations(): number {
  return records === undefined ? 0 : native.ioPending()
}
