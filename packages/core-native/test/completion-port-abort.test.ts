// A wait on a completion port given up with an AbortSignal (an extra of this package): it takes no
// packet, so what is posted later stays on the port for the next waiter. @wsm/rx's fromIocp stops
// draining a port this way when its last subscriber leaves.
import { describe, expect, it } from 'vitest'
import { CompletionPort } from '../lib/index.js'

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('expected a rejection')
}

describe('a completion-port wait with an AbortSignal', () => {
  it('aborted while waiting: rejects with an AbortError, and the next packet goes to the next waiter', async () => {
    const port = new CompletionPort()
    const controller = new AbortController()
    const waiting = port.getQueuedCompletionStatusEx(8, undefined, { signal: controller.signal })
    controller.abort(new Error('done'))
    const err = await rejection(waiting)
    expect(err).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' })
    expect(err.cause).toEqual(new Error('done'))
    port.postQueuedCompletionStatus(5, 6)
    expect(port.size).toBe(1)
    expect(await port.getQueuedCompletionStatus(0)).toMatchObject({ bytes: 5, key: 6 })
    port.close()
  })

  it('already aborted: rejects at once and takes nothing queued', async () => {
    const port = new CompletionPort()
    port.postQueuedCompletionStatus(1, 1)
    const err = await rejection(port.getQueuedCompletionStatus(0, { signal: AbortSignal.abort() }))
    expect(err.code).toBe('ABORT_ERR')
    expect(port.size).toBe(1)
    port.close()
  })

  it('aborted after the wait was served: the packets are the waiter’s, the abort changes nothing', async () => {
    const port = new CompletionPort()
    const controller = new AbortController()
    const waiting = port.getQueuedCompletionStatusEx(8, undefined, { signal: controller.signal })
    port.postQueuedCompletionStatus(7, 7)
    await new Promise((r) => setImmediate(r))
    controller.abort()
    expect((await waiting).map((p) => p.bytes)).toEqual([7])
    port.close()
  })

  it('a signal that is not an AbortSignal, or options that are not an object: ERR_INVALID_ARG_TYPE', async () => {
    const port = new CompletionPort()
    for (const options of [{ signal: {} }, 'x', null]) {
      expect(await rejection(port.getQueuedCompletionStatusEx(1, 0, options as never))).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
    }
    port.close()
  })
})
