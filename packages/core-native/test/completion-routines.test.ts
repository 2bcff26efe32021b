// Model 5, overlapped I/O with completion routines (WSARecv/WSASend + lpCompletionRoutine,
// SleepEx(…, TRUE), alertable WSAWaitForMultipleEvents): routines run only inside an alertable
// wait, in completion order, never re-entrantly.
import { describe, expect, it } from 'vitest'
import {
  Overlapped,
  WAIT_IO_COMPLETION,
  WSA_WAIT_TIMEOUT,
  WsaEvent,
  getOverlappedResult,
  recvOverlapped,
  sendOverlapped,
  sleepEx,
  waitForMultipleEvents,
  type CompletionRoutine,
} from '../lib/index.js'
import { expectNoFdLeaks } from './helpers/fds.js'
import { WSA_OPERATION_ABORTED, equalBytes, random, untilDone, untilNoPendingOperations } from './helpers/overlapped.js'
import { FAMILIES, bytes, closeAll, pair, recvExactly, text, useSocketCleanup } from './helpers/sockets.js'
import { WAIT_MS, isSettled, within } from './helpers/time.js'

expectNoFdLeaks(async () => {
  closeAll()
  await untilNoPendingOperations()
  // Routines of operations cancelled by the cleanup must not stay queued for another file's waits.
  await sleepEx(0, true)
})
useSocketCleanup()

interface Call {
  error: number
  bytes: number
  overlapped: Overlapped
  flags: number
  tag: string
}

/** A routine that records its calls in `log` under `tag`. */
function recorder(log: Call[], tag: string): CompletionRoutine {
  return (error, bytes, overlapped, flags) => log.push({ error, bytes, overlapped, flags, tag })
}

/** An alertable SleepEx, bounded: must end with WAIT_IO_COMPLETION since routines are queued. */
async function alertableSleep(): Promise<number> {
  return within(sleepEx(WAIT_MS, true), 'sleepEx(…, true)', WAIT_MS + 500)
}

describe.each(FAMILIES)('completion routines, IPv%i', (family) => {
  it('do not run when the operation completes, nor in non-alertable waits; they run at the next alertable sleepEx, which returns WAIT_IO_COMPLETION', async () => {
    const { client, peer } = await pair(family)
    const log: Call[] = []
    const event = new WsaEvent()
    const ov = new Overlapped({ event })
    const buf = new Uint8Array(16)
    recvOverlapped(peer, buf, ov, recorder(log, 'recv'))
    client.send(bytes('hello'))
    // The operation has completed (its Overlapped says so; its event is left alone, as Windows
    // signals it only without a routine: test/conformance/overlapped-ports.test.ts)...
    await untilDone(ov)
    expect(event.signaled).toBe(false)
    expect(text(buf, 5)).toBe('hello')
    // ... but its routine waits for an alertable wait: none of these is one.
    expect(await sleepEx(50, false)).toBe(0)
    expect(await sleepEx(0, false)).toBe(0)
    expect(await waitForMultipleEvents([new WsaEvent()], { timeoutMs: 20 })).toBe(WSA_WAIT_TIMEOUT)
    expect(await waitForMultipleEvents([event], { timeoutMs: 20 })).toBe(WSA_WAIT_TIMEOUT)
    expect(await getOverlappedResult(peer, ov, true)).toEqual({ bytes: 5, flags: 0 })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(log).toEqual([])

    expect(await alertableSleep()).toBe(WAIT_IO_COMPLETION)
    expect(log).toHaveLength(1)
    expect(log[0]).toMatchObject({ error: 0, bytes: 5, flags: 0, tag: 'recv' })
    expect(log[0]!.overlapped).toBe(ov)
    // Run once only.
    expect(await sleepEx(10, true)).toBe(0)
    expect(log).toHaveLength(1)
  })

  it('sleepEx(ms, true) with nothing queued resolves 0 at the time-out; one already waiting is woken by a completion', async () => {
    expect(await sleepEx(10, true)).toBe(0)
    expect(await sleepEx(0, true)).toBe(0)
    const { client, peer } = await pair(family)
    const log: Call[] = []
    const ov = new Overlapped()
    recvOverlapped(peer, new Uint8Array(8), ov, recorder(log, 'r'))
    const waiting = sleepEx(WAIT_MS * 5, true)
    expect(await isSettled(waiting)).toBe(false)
    expect(log).toEqual([])
    client.send(bytes('x'))
    expect(await within(waiting, 'the alertable sleep')).toBe(WAIT_IO_COMPLETION)
    expect(log).toMatchObject([{ error: 0, bytes: 1, tag: 'r' }])
  })

  it('run in completion order, not posting order', async () => {
    const pairs = [await pair(family), await pair(family), await pair(family)]
    const log: Call[] = []
    const ovs = pairs.map(() => new Overlapped())
    pairs.forEach((p, i) => recvOverlapped(p.peer, new Uint8Array(8), ovs[i]!, recorder(log, `#${i}`)))
    // Completions in the order 2, 0, 1, each one confirmed before the next is caused.
    for (const i of [2, 0, 1]) {
      pairs[i]!.client.send(bytes('x'.repeat(i + 1)))
      await untilDone(ovs[i]!)
    }
    expect(log).toEqual([])
    expect(await alertableSleep()).toBe(WAIT_IO_COMPLETION)
    expect(log.map((c) => c.tag)).toEqual(['#2', '#0', '#1'])
    expect(log.map((c) => c.bytes)).toEqual([3, 1, 2])
    expect(log.map((c) => c.overlapped)).toEqual([ovs[2], ovs[0], ovs[1]])
  })

  it('never run re-entrantly: an alertable wait inside a routine runs no other routine', async () => {
    const pairs = [await pair(family), await pair(family), await pair(family)]
    const order: string[] = []
    const nested: Array<Promise<number>> = []
    const ovs = pairs.map(() => new Overlapped())
    const routine =
      (tag: string): CompletionRoutine =>
      () => {
        order.push(`enter ${tag}`)
        // Alertable waits from inside a routine: they must not run the routines still queued.
        nested.push(sleepEx(0, true))
        nested.push(waitForMultipleEvents([new WsaEvent()], { timeoutMs: 0, alertable: true }))
        order.push(`leave ${tag}`)
      }
    pairs.forEach((p, i) => recvOverlapped(p.peer, new Uint8Array(8), ovs[i]!, routine(`#${i}`)))
    for (let i = 0; i < 3; i++) {
      pairs[i]!.client.send(bytes('x'))
      await untilDone(ovs[i]!)
    }
    expect(await alertableSleep()).toBe(WAIT_IO_COMPLETION)
    expect(order).toEqual(['enter #0', 'leave #0', 'enter #1', 'leave #1', 'enter #2', 'leave #2'])
    // The nested waits ran nothing, so they report a time-out, not WAIT_IO_COMPLETION.
    expect(await within(Promise.all(nested), 'the nested waits')).toEqual([0, WSA_WAIT_TIMEOUT, 0, WSA_WAIT_TIMEOUT, 0, WSA_WAIT_TIMEOUT])
  })

  it('an alertable waitForMultipleEvents runs them and resolves WAIT_IO_COMPLETION; with routines already queued it returns at once', async () => {
    const { client, peer } = await pair(family)
    const log: Call[] = []
    const ov = new Overlapped()
    recvOverlapped(peer, new Uint8Array(8), ov, recorder(log, 'a'))
    const idle = new WsaEvent()
    const waiting = waitForMultipleEvents([idle], { alertable: true, timeoutMs: WAIT_MS * 5 })
    expect(await isSettled(waiting)).toBe(false)
    client.send(bytes('abc'))
    expect(await within(waiting, 'the alertable wait')).toBe(WAIT_IO_COMPLETION)
    expect(log).toMatchObject([{ error: 0, bytes: 3, tag: 'a' }])

    // Already completed before the wait starts.
    recvOverlapped(peer, new Uint8Array(8), ov, recorder(log, 'b'))
    client.send(bytes('de'))
    await untilDone(ov)
    expect(await waitForMultipleEvents([idle], { alertable: true, timeoutMs: 0 })).toBe(WAIT_IO_COMPLETION)
    expect(log.map((c) => c.tag)).toEqual(['a', 'b'])
    // Non-alertable with a routine queued: the routine stays queued.
    recvOverlapped(peer, new Uint8Array(8), ov, recorder(log, 'c'))
    client.send(bytes('f'))
    await untilDone(ov)
    expect(await waitForMultipleEvents([idle], { timeoutMs: 10 })).toBe(WSA_WAIT_TIMEOUT)
    expect(log).toHaveLength(2)
    expect(await alertableSleep()).toBe(WAIT_IO_COMPLETION)
    expect(log.map((c) => c.tag)).toEqual(['a', 'b', 'c'])
  })

  it('a send routine reports every byte sent; the Overlapped event, if any, is left alone', async () => {
    const { client, peer } = await pair(family)
    const log: Call[] = []
    const event = new WsaEvent()
    const ov = new Overlapped({ event })
    const data = random(3 * 1024 * 1024)
    sendOverlapped(client, data, ov, recorder(log, 'send'))
    const got = await recvExactly(peer, data.length)
    expect(equalBytes(got, data)).toBe(true)
    await untilDone(ov)
    expect(log).toEqual([])
    expect(await alertableSleep()).toBe(WAIT_IO_COMPLETION)
    expect(log).toMatchObject([{ error: 0, bytes: data.length, flags: 0, tag: 'send' }])
    expect(event.signaled).toBe(false)
  })

  it('closing the socket completes pending operations with WSA_OPERATION_ABORTED, delivered to their routines', async () => {
    const { client } = await pair(family)
    const log: Call[] = []
    const recv = new Overlapped()
    const send = new Overlapped()
    recvOverlapped(client, new Uint8Array(8), recv, recorder(log, 'recv'))
    sendOverlapped(client, new Uint8Array(32 * 1024 * 1024), send, recorder(log, 'send'))
    client.close()
    await untilDone(recv)
    await untilDone(send)
    expect(log).toEqual([])
    expect(await alertableSleep()).toBe(WAIT_IO_COMPLETION)
    expect(log.map((c) => c.tag).sort()).toEqual(['recv', 'send'])
    for (const c of log) {
      expect(c.error, JSON.stringify({ ...c, overlapped: 0 })).toBe(WSA_OPERATION_ABORTED)
      expect(c.overlapped).toBe(c.tag === 'recv' ? recv : send)
    }
    expect(log.find((c) => c.tag === 'recv')!.bytes).toBe(0)
  })

  it('a routine may start the next operation (the echo-server pattern) and it runs at a later alertable wait', async () => {
    const { client, peer } = await pair(family)
    const buf = new Uint8Array(4)
    const received: string[] = []
    const ov = new Overlapped()
    const onRecv: CompletionRoutine = (error, n) => {
      if (error !== 0 || n === 0) return
      received.push(text(buf, n))
      recvOverlapped(peer, buf, ov, onRecv)
    }
    recvOverlapped(peer, buf, ov, onRecv)
    for (const word of ['one', 'two', 'six']) {
      client.send(bytes(word))
      expect(await alertableSleep()).toBe(WAIT_IO_COMPLETION)
    }
    expect(received).toEqual(['one', 'two', 'six'])
    expect(ov.pending).toBe(true)
  })
})
