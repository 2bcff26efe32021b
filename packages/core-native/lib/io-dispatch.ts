// The JavaScript end of the completion engine: operations in flight by id, and the one function
// the native loop calls per batch of completions (records [id, result, flags] in a shared
// Int32Array, so a batch of any size is one crossing and no allocation).
//
// An operation is named by its Overlapped, which holds everything its completion needs (one
// operation per Overlapped at a time, as in Win32): nothing is allocated per operation here.
import { native } from './binding.js'
import type { Overlapped } from './overlapped.js'

/** A record's flags (src/io/io_loop.h): a datagram was longer than the receive's buffers, which hold its start. */
export const RECORD_TRUNCATED = 1

/**
 * Completes `ov`'s operation; `result`: bytes transferred (or 0 for accept/connect), or -errno;
 * `flags`: RECORD_TRUNCATED or 0.
 */
export type Completer = (ov: Overlapped, result: number, flags: number) => void

// Native ids are a slot (low 20 bits) and a generation: a slot table beats a Map on the hot path.
const SLOT_MASK = 0xfffff
const slots: Array<Overlapped | undefined> = []
const slotIds: number[] = []
let records: Int32Array | undefined
let complete: Completer | undefined

function dispatch(count: number): void {
  const r = records!
  for (let i = 0; i < count; i++) {
    const id = r[i * 3]!
    const slot = id & SLOT_MASK
    const op = slots[slot]
    if (op === undefined || slotIds[slot] !== id) continue
    slots[slot] = undefined
    // No user code runs in here (packets, routines and waiters are served afterwards), so no
    // operation is started while the batch is read and no slot below is reused under it.
    complete!(op, r[i * 3 + 1]!, r[i * 3 + 2]!)
  }
}

/** The one function completions go to (lib/overlapped.ts sets it when it loads). */
export function setCompleter(fn: Completer): void {
  complete = fn
}

/** Sets up the engine for this thread (once), before the first operation is started. */
export function ensureIo(): void {
  if (records === undefined) records = native.ioSetup(dispatch).records
}

/** Tracks a started native operation until its completion is dispatched. */
export function track(id: number, op: Overlapped): void {
  const slot = id & SLOT_MASK
  slots[slot] = op
  slotIds[slot] = id
}

/** The operations in flight, with their ids. */
export function* pendingEntries(): Generator<[number, Overlapped]> {
  for (let slot = 0; slot < slots.length; slot++) {
    const op = slots[slot]
    if (op !== undefined) yield [slotIds[slot]!, op]
  }
}

/** Operations in flight (engine's count), for tests and diagnostics. */
export function pendingOperations(): number {
  return records === undefined ? 0 : native.ioPending()
}
