// WsaEvent (WSACreateEvent/WSASetEvent/WSAResetEvent/WSACloseEvent) and WSAWaitForMultipleEvents:
// manual reset, created unsignalled; at most 64 events; the lowest signalled index; time-outs;
// polling with 0; wait-all.
import { describe, expect, it } from 'vitest'
import { WAIT_IO_COMPLETION, WSA_MAXIMUM_WAIT_EVENTS, WSA_WAIT_EVENT_0, WSA_WAIT_TIMEOUT, WsaEvent, WsmError, waitForMultipleEvents } from '../lib/index.js'
import { expectWsmError } from './helpers/errors.js'
import { expectNoFdLeaks } from './helpers/fds.js'
import { expectRejectsWsm } from './helpers/overlapped.js'
import { WAIT_MS, delay, isSettled, within } from './helpers/time.js'

expectNoFdLeaks()

function events(n: number): WsaEvent[] {
  return Array.from({ length: n }, () => new WsaEvent())
}

function bounded(evts: WsaEvent[], options: Parameters<typeof waitForMultipleEvents>[1] = {}): Promise<number> {
  return within(waitForMultipleEvents(evts, { timeoutMs: WAIT_MS, ...options }), 'waitForMultipleEvents', WAIT_MS + 500)
}

describe('WsaEvent', () => {
  it('starts unsignalled; set signals it; it stays signalled (manual reset) until reset', async () => {
    const e = new WsaEvent()
    expect(e.signaled).toBe(false)
    expect(e.closed).toBe(false)
    e.set()
    expect(e.signaled).toBe(true)
    e.set() // setting a signalled event is fine
    // Waits do not reset it: manual reset.
    expect(await bounded([e])).toBe(WSA_WAIT_EVENT_0)
    expect(await bounded([e])).toBe(WSA_WAIT_EVENT_0)
    expect(await waitForMultipleEvents([e], { timeoutMs: 0 })).toBe(WSA_WAIT_EVENT_0)
    expect(e.signaled).toBe(true)
    e.reset()
    expect(e.signaled).toBe(false)
    e.reset()
    expect(e.signaled).toBe(false)
    expect(await waitForMultipleEvents([e], { timeoutMs: 0 })).toBe(WSA_WAIT_TIMEOUT)
  })

  it('closed: set and reset are EBADF, close again is fine, a wait on it is EBADF', async () => {
    const e = new WsaEvent()
    e.set()
    e.close()
    e.close()
    expect(e.closed).toBe(true)
    expect(e.signaled).toBe(false)
    expect(expectWsmError(() => e.set(), 'EBADF').wsaCode).toBe(10009)
    expectWsmError(() => e.reset(), 'EBADF')
    await expectRejectsWsm(waitForMultipleEvents([e], { timeoutMs: 0 }), 'EBADF')
    await expectRejectsWsm(waitForMultipleEvents([new WsaEvent(), e], { timeoutMs: 10 }), 'EBADF')
  })

  it('closing an event that a wait is waiting on ends the wait with EBADF', async () => {
    const [a, b] = events(2)
    const waiting = waitForMultipleEvents([a!, b!], { timeoutMs: WAIT_MS * 5 })
    expect(await isSettled(waiting)).toBe(false)
    b!.close()
    await expectRejectsWsm(waiting, 'EBADF')
  })
})

describe('waitForMultipleEvents', () => {
  it(`takes 1 to ${WSA_MAXIMUM_WAIT_EVENTS} events: none or more is a WsmError (EINVAL)`, async () => {
    expect(WSA_MAXIMUM_WAIT_EVENTS).toBe(64)
    await expectRejectsWsm(waitForMultipleEvents(events(65), { timeoutMs: 0 }), 'EINVAL')
    await expectRejectsWsm(waitForMultipleEvents(events(1000), { timeoutMs: 0 }), 'EINVAL')
    await expectRejectsWsm(waitForMultipleEvents([], { timeoutMs: 0 }), 'EINVAL')
    const max = events(64)
    expect(await waitForMultipleEvents(max, { timeoutMs: 0 })).toBe(WSA_WAIT_TIMEOUT)
    max[63]!.set()
    expect(await waitForMultipleEvents(max, { timeoutMs: 0 })).toBe(WSA_WAIT_EVENT_0 + 63)
    // Even with a signalled event among them, 65 is refused.
    await expectRejectsWsm(waitForMultipleEvents([...max, new WsaEvent()], { timeoutMs: 0 }), 'EINVAL')
  })

  it('resolves the lowest index of the signalled events', async () => {
    const evts = events(8)
    evts[5]!.set()
    evts[2]!.set()
    evts[7]!.set()
    expect(await bounded(evts)).toBe(WSA_WAIT_EVENT_0 + 2)
    evts[2]!.reset()
    expect(await bounded(evts)).toBe(WSA_WAIT_EVENT_0 + 5)
    evts[0]!.set()
    expect(await bounded(evts)).toBe(WSA_WAIT_EVENT_0)
  })

  it('a wait in progress resolves when an event is set, with that event’s index', async () => {
    const evts = events(4)
    const waiting = bounded(evts)
    expect(await isSettled(waiting)).toBe(false)
    evts[3]!.set()
    expect(await waiting).toBe(WSA_WAIT_EVENT_0 + 3)
  })

  it('a set that is reset before the wait looks does not leave the wait with a stale index', async () => {
    const evts = events(3)
    const waiting = bounded(evts)
    evts[1]!.set() // wakes the wait synchronously...
    expect(await waiting).toBe(WSA_WAIT_EVENT_0 + 1)
    evts[1]!.reset()
    // ... and a fresh wait sees it reset.
    expect(await waitForMultipleEvents(evts, { timeoutMs: 0 })).toBe(WSA_WAIT_TIMEOUT)
  })

  it('resolves WSA_WAIT_TIMEOUT (258) when nothing is signalled in time', async () => {
    expect(WSA_WAIT_TIMEOUT).toBe(258)
    const evts = events(3)
    expect(await within(waitForMultipleEvents(evts, { timeoutMs: 30 }), 'timed wait')).toBe(WSA_WAIT_TIMEOUT)
    expect(await within(waitForMultipleEvents(evts, { timeoutMs: 1, waitAll: true }), 'timed wait')).toBe(WSA_WAIT_TIMEOUT)
    // A fractional time-out is not 0: it waits (and still times out).
    expect(await within(waitForMultipleEvents(evts, { timeoutMs: 0.5 }), 'timed wait')).toBe(WSA_WAIT_TIMEOUT)
  })

  it('timeout 0 polls: the state now, without waiting for a later set', async () => {
    const evts = events(2)
    const poll = waitForMultipleEvents(evts, { timeoutMs: 0 })
    evts[0]!.set() // after the call: a poll does not see it
    expect(await poll).toBe(WSA_WAIT_TIMEOUT)
    expect(await waitForMultipleEvents(evts, { timeoutMs: 0 })).toBe(WSA_WAIT_EVENT_0)
    // Nothing signalled and alertable with nothing queued: still a time-out, not WAIT_IO_COMPLETION.
    evts[0]!.reset()
    expect(await waitForMultipleEvents(evts, { timeoutMs: 0, alertable: true })).toBe(WSA_WAIT_TIMEOUT)
    expect(WAIT_IO_COMPLETION).toBe(192)
  })

  it('waitAll: resolves WSA_WAIT_EVENT_0 only once every event is signalled at the same time', async () => {
    const evts = events(3)
    evts[0]!.set()
    expect(await waitForMultipleEvents(evts, { waitAll: true, timeoutMs: 0 })).toBe(WSA_WAIT_TIMEOUT)
    const waiting = bounded(evts, { waitAll: true })
    evts[2]!.set()
    await delay(10)
    expect(await isSettled(waiting)).toBe(false)
    // One drops out again before the last comes: still not all at once.
    evts[0]!.reset()
    evts[1]!.set()
    await delay(10)
    expect(await isSettled(waiting)).toBe(false)
    evts[0]!.set()
    expect(await waiting).toBe(WSA_WAIT_EVENT_0)
    // Nothing was reset by the wait.
    expect(evts.every((e) => e.signaled)).toBe(true)
  })

  it('waitAll with the same event twice is EINVAL; without waitAll it is allowed', async () => {
    const e = new WsaEvent()
    await expectRejectsWsm(waitForMultipleEvents([e, e], { waitAll: true, timeoutMs: 0 }), 'EINVAL')
    e.set()
    expect(await waitForMultipleEvents([new WsaEvent(), e, e], { timeoutMs: 0 })).toBe(1)
  })

  it('many waits on one event are all woken by one set', async () => {
    const e = new WsaEvent()
    const others = events(3)
    const waits = others.map((o, i) => bounded(i % 2 ? [o, e] : [e, o]))
    for (const w of waits) expect(await isSettled(w)).toBe(false)
    e.set()
    expect(await Promise.all(waits)).toEqual([0, 1, 0])
  })

  it('errors are WsmErrors (rejections, since the call is asynchronous)', async () => {
    const p = waitForMultipleEvents(events(65))
    expect(p).toBeInstanceOf(Promise)
    await expect(p).rejects.toBeInstanceOf(WsmError)
  })
})
