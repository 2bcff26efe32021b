// The JavaScript end of the completion engine: operations in flight by id, and the one function
// the native loop calls per batch of completions (records [id, result, flags] in a shared
// Int32Array, so a batch of any size is one crossing and no allocation).
import { native } from './binding.js'

export interface PendingOperation {
  /** `result`: bytes transferred (or 0 for accept/connect), or -errno. */
  complete(result: number, flags: number): void
}

const operations = new Map<number, PendingOperation>()
let records: Int32Array | undefined

function dispatch(count: number): void {
  const r = records!
  for (let i = 0; i < count; i++) {
    const id = r[i * 3]!
    const op = operations.get(id)
    if (op === undefined) continue
    operations.delete(id)
    op.complete(r[i * 3 + 1]!, r[i * 3 + 2]!)
  }
}

/** Starts a native operation and tracks it until its completion is dispatched. */
export function startOperation(start: () => number, op: PendingOperation): number {
  if (records === undefined) records = native.ioSetup(dispatch).records
  const id = start()
  operations.set(id, op)
  return id
}

/** Operations in flight (engine's count), for tests and diagnostics. */
export function pendingOperations(): number {
  return records === undefined ? 0 : native.ioPending()
}
