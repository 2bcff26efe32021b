// Helpers for the completion models (overlapped I/O, completion routines, completion ports):
// bounded waits on an Overlapped, outcomes of operations, forced garbage collection.
import { randomBytes } from 'node:crypto'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterEach, expect } from 'vitest'
import { CompletionPort, Overlapped, WsmError, getOverlappedResult, pendingOperations, type CompletionPacket } from '../../lib/index.js'
import { WAIT_MS, within } from './time.js'

/**
 * Resolves once `ov` has no operation pending, polling its state (not through getOverlappedResult,
 * an event or a port, which are what the tests check). Fails after `ms`.
 */
export async function untilDone(ov: Overlapped, what = 'the operation', ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms
  while (ov.pending) {
    if (Date.now() > deadline) throw new Error(`${what}: still pending after ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
}

/** Polls `condition` until it holds, at most `ms`. */
export async function until(condition: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up after ${ms} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
}

export interface Outcome {
  bytes: number
  /** The error's code, or null on success. */
  code: string | null
  error: WsmError | null
}

/** The outcome of `ov`'s operation on `handle` (waits for it, bounded), success or failure. */
export async function outcome(handle: object, ov: Overlapped, ms = WAIT_MS): Promise<Outcome> {
  try {
    const r = await within(getOverlappedResult(handle, ov, true), 'getOverlappedResult', ms)
    return { bytes: r.bytes, code: null, error: null }
  } catch (e) {
    if (!(e instanceof WsmError)) throw e
    return { bytes: 0, code: e.code, error: e }
  }
}

/** The next packet of `port`, failing the test if none comes within `ms`. */
export async function nextPacket(port: CompletionPort, ms = WAIT_MS): Promise<CompletionPacket> {
  const p = await within(port.getQueuedCompletionStatus(ms), 'getQueuedCompletionStatus', ms + 500)
  if (p === null) throw new Error(`no completion packet within ${ms} ms`)
  return p
}

/** Exactly `n` packets of `port` (taken in batches), failing the test if they do not all come. */
export async function packets(port: CompletionPort, n: number, ms = WAIT_MS): Promise<CompletionPacket[]> {
  const out: CompletionPacket[] = []
  const deadline = Date.now() + ms
  while (out.length < n) {
    const left = deadline - Date.now()
    if (left <= 0) throw new Error(`got ${out.length} of ${n} completion packets within ${ms} ms`)
    out.push(...(await within(port.getQueuedCompletionStatusEx(n - out.length, left), 'GQCSEx', left + 500)))
  }
  return out
}

// The rejection assertions live with the other error assertions.
export { expectRejectsType, expectRejectsWsm } from './errors.js'

/** Waits until the engine has no operation in flight (after closing what the test opened). */
export async function untilNoPendingOperations(ms = WAIT_MS): Promise<void> {
  await until(() => pendingOperations() === 0, `pendingOperations() to reach 0 (now ${pendingOperations()})`, ms)
}

let collect: (() => void) | undefined

/** A full garbage collection (exposes V8's gc() at run time, no --expose-gc needed). */
export function gc(): void {
  if (!collect) {
    setFlagsFromString('--expose-gc')
    collect = runInNewContext('gc') as () => void
  }
  collect()
}

/** Several collections with turns of the event loop between them (weak callbacks run there). */
export async function fullGc(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
}

export function random(n: number): Uint8Array {
  return new Uint8Array(randomBytes(n))
}

/** Detaches `u` (its buffer transferred away), as a worker postMessage with transfer would. */
export function detach(u: Uint8Array): void {
  structuredClone(u.buffer, { transfer: [u.buffer as ArrayBuffer] })
  expect(u.byteLength).toBe(0)
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
}

export const WSA_OPERATION_ABORTED = 995
export const WSA_IO_INCOMPLETE = 996
export const WSAEFAULT = 10014
export const WSAECONNREFUSED = 10061

/** A maker of completion ports, each closed after the test that made it (registered per file). */
export function usePorts(): () => CompletionPort {
  const made: CompletionPort[] = []
  afterEach(() => {
    for (const p of made.splice(0)) p.close()
  })
  return () => {
    const p = new CompletionPort()
    made.push(p)
    return p
  }
}
