// Bad input for every entry point of models 2 and 3: MessageWindow, asyncSelect, eventSelect,
// enumNetworkEvents, WsaEvent, waitForMultipleEvents, and the native functions under them
// (netSetup, netSelect, netEnum). A wrong type is a TypeError, a wrong value a WsmError with a code;
// nothing is coerced, nothing crashes, and a refused call leaves the existing selection as it was.
import { afterEach, describe, expect, it } from 'vitest'
import { native } from '../lib/binding.js'
import { nativeHandleOf } from '../lib/socket.js'
import {
  FD_CLOSE,
  FD_READ,
  FD_WRITE,
  MessageWindow,
  Socket,
  WsaEvent,
  asyncSelect,
  enumNetworkEvents,
  eventSelect,
  waitForMultipleEvents,
} from '../lib/index.js'
import { describeError, expectTypeError, expectWsmError, isAcceptableError } from './helpers/errors.js'
import { COERCED, JUNK, coercionTrap, isUserCodeError, show } from './helpers/junk.js'
import { Collector, closeCollectors } from './helpers/network-events.js'
import { expectNoFdLeaks } from './helpers/fds.js'
import { bytes, closeAll, pair, tcp, track, useSocketCleanup } from './helpers/sockets.js'
import { WAIT_MS } from './helpers/time.js'

const owned = new Set<{ close(): void }>()
function own<T extends { close(): void }>(x: T): T {
  owned.add(x)
  return x
}
function closeOwned(): void {
  for (const x of owned) x.close()
  owned.clear()
}

expectNoFdLeaks(() => {
  closeOwned()
  closeCollectors()
  closeAll()
})
useSocketCleanup()
afterEach(() => {
  closeOwned()
  closeCollectors()
})

const NOT_A_NUMBER = ['1', 1n, null, undefined, true, {}, [], coercionTrap, Symbol('x'), () => 1, new Number(1)]
const BAD_EVENT_MASKS = [-1, 64, 1.5, NaN, Infinity, -Infinity, 2 ** 32 + FD_READ, Number.MAX_SAFE_INTEGER]
const BAD_MSGS = [-1, 1.5, NaN, Infinity, -Infinity, 2 ** 32]
const NOT_A_SOCKET = [undefined, null, 0, 'socket', {}, [], coercionTrap, Object.create(Socket.prototype), new WsaEvent()]

function fresh() {
  return { socket: tcp(4), window: own(new MessageWindow(() => {})), event: own(new WsaEvent()) }
}

describe('MessageWindow', () => {
  it('takes a function, nothing else', () => {
    for (const proc of [undefined, null, 1, 'f', {}, [], coercionTrap, Symbol('p')]) {
      expectTypeError(() => new MessageWindow(proc as never))
    }
  })

  it('close() is idempotent; methods reject a receiver that is not a window', () => {
    const w = new MessageWindow(() => {})
    w.close()
    w.close()
    expect(w.closed).toBe(true)
    expectTypeError(() => MessageWindow.prototype.close.call({}), 'ERR_INVALID_THIS')
    expectTypeError(() => Object.getOwnPropertyDescriptor(MessageWindow.prototype, 'closed')!.get!.call({}), 'ERR_INVALID_THIS')
  })
})

describe('asyncSelect', () => {
  it('a socket: TypeError for anything else; a closed socket is ENOTSOCK', () => {
    const { window } = fresh()
    for (const s of NOT_A_SOCKET) expectTypeError(() => asyncSelect(s as never, window, 1, FD_READ))
    const closed = tcp(4)
    closed.close()
    expectWsmError(() => asyncSelect(closed, window, 1, FD_READ), 'ENOTSOCK')
  })

  it('a MessageWindow: TypeError for anything else (a look-alike too); a closed window is EBADF', () => {
    const { socket, event } = fresh()
    for (const w of [undefined, null, {}, () => {}, event, coercionTrap]) expectTypeError(() => asyncSelect(socket, w as never, 1, FD_READ))
    expectTypeError(() => asyncSelect(socket, Object.create(MessageWindow.prototype), 1, FD_READ))
    const closed = new MessageWindow(() => {})
    closed.close()
    expectWsmError(() => asyncSelect(socket, closed, 1, FD_READ), 'EBADF')
  })

  it('msg: an integer from 0 to 2^32-1 (TypeError for a non-number, EINVAL out of range)', () => {
    const { socket, window } = fresh()
    for (const m of NOT_A_NUMBER) expectTypeError(() => asyncSelect(socket, window, m as never, FD_READ))
    for (const m of BAD_MSGS) expectWsmError(() => asyncSelect(socket, window, m, FD_READ), 'EINVAL')
    asyncSelect(socket, window, 0, FD_READ)
    asyncSelect(socket, window, 2 ** 32 - 1, FD_READ)
  })

  it('events: FD_ bits, 0 to 63 (TypeError for a non-number, EINVAL otherwise)', () => {
    const { socket, window } = fresh()
    for (const e of NOT_A_NUMBER) expectTypeError(() => asyncSelect(socket, window, 1, e as never))
    for (const e of BAD_EVENT_MASKS) expectWsmError(() => asyncSelect(socket, window, 1, e), 'EINVAL')
    asyncSelect(socket, window, 1, 63)
    asyncSelect(socket, window, 1, 0)
    asyncSelect(socket, window, 1, 0) // cancelling what is not selected is fine
  })

  it('nothing is coerced: valueOf/toString/toPrimitive are never called', () => {
    const { socket, window } = fresh()
    for (const call of [
      () => asyncSelect(socket, window, coercionTrap as never, FD_READ),
      () => asyncSelect(socket, window, 1, coercionTrap as never),
    ]) {
      let err: unknown
      try {
        call()
      } catch (e) {
        err = e
      }
      expect(err).not.toBe(COERCED)
      expect(err).toBeInstanceOf(TypeError)
      expect(err).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' })
    }
  })
})

describe('eventSelect', () => {
  it('a socket, a WsaEvent, FD_ bits: TypeError or a coded WsmError otherwise', () => {
    const { socket, window, event } = fresh()
    for (const s of NOT_A_SOCKET) expectTypeError(() => eventSelect(s as never, event, FD_READ))
    for (const e of [undefined, null, {}, window, coercionTrap, () => {}]) expectTypeError(() => eventSelect(socket, e as never, FD_READ))
    expectTypeError(() => eventSelect(socket, Object.create(WsaEvent.prototype), FD_READ))
    for (const m of NOT_A_NUMBER) expectTypeError(() => eventSelect(socket, event, m as never))
    for (const m of BAD_EVENT_MASKS) expectWsmError(() => eventSelect(socket, event, m), 'EINVAL')
    const closedEvent = new WsaEvent()
    closedEvent.close()
    expectWsmError(() => eventSelect(socket, closedEvent, FD_READ), 'EBADF')
    const closed = tcp(4)
    closed.close()
    expectWsmError(() => eventSelect(closed, event, FD_READ), 'ENOTSOCK')
    eventSelect(socket, event, 63)
    eventSelect(socket, event, 0)
  })
})

describe('enumNetworkEvents', () => {
  it('a socket, and optionally a WsaEvent', () => {
    const { socket, window, event } = fresh()
    for (const s of NOT_A_SOCKET) expectTypeError(() => enumNetworkEvents(s as never))
    for (const e of [null, 0, {}, window, coercionTrap]) expectTypeError(() => enumNetworkEvents(socket, e as never))
    const closed = tcp(4)
    closed.close()
    expectWsmError(() => enumNetworkEvents(closed), 'ENOTSOCK')
    // A socket never selected has an empty record; so has one selected through a window.
    expect(enumNetworkEvents(socket)).toEqual({ events: 0, errors: {} })
    asyncSelect(socket, window, 1, FD_READ)
    expect(enumNetworkEvents(socket, event)).toEqual({ events: 0, errors: {} })
  })
})

describe('WsaEvent', () => {
  it('a closed event refuses set and reset (EBADF); close is idempotent; the receiver must be an event', () => {
    const e = new WsaEvent()
    e.set()
    e.close()
    expect(e.signaled).toBe(false)
    expect(e.closed).toBe(true)
    expectWsmError(() => e.set(), 'EBADF')
    expectWsmError(() => e.reset(), 'EBADF')
    e.close()
    for (const m of ['set', 'reset', 'close'] as const) expectTypeError(() => WsaEvent.prototype[m].call({}), 'ERR_INVALID_THIS')
  })
})

describe('waitForMultipleEvents', () => {
  it('rejects bad input: not an array, 0 or 65 events, non-events, closed events, bad options', async () => {
    const e = own(new WsaEvent())
    const closed = new WsaEvent()
    closed.close()
    const cases: Array<[string, () => Promise<number>, string]> = [
      ['not an array', () => waitForMultipleEvents(e as never), 'ERR_INVALID_ARG_TYPE'],
      ['an iterable that is no array', () => waitForMultipleEvents(new Set([e]) as never), 'ERR_INVALID_ARG_TYPE'],
      ['no events', () => waitForMultipleEvents([]), 'EINVAL'],
      ['65 events', () => waitForMultipleEvents(Array.from({ length: 65 }, () => own(new WsaEvent()))), 'EINVAL'],
      ['a non-event', () => waitForMultipleEvents([e, {} as never]), 'ERR_INVALID_ARG_TYPE'],
      ['null in the array', () => waitForMultipleEvents([null as never]), 'ERR_INVALID_ARG_TYPE'],
      ['a closed event', () => waitForMultipleEvents([e, closed]), 'EBADF'],
      ['options null', () => waitForMultipleEvents([e], null as never), 'ERR_INVALID_ARG_TYPE'],
      ['waitAll not boolean', () => waitForMultipleEvents([e], { waitAll: 1 as never }), 'ERR_INVALID_ARG_TYPE'],
      ['alertable not boolean', () => waitForMultipleEvents([e], { alertable: 'yes' as never }), 'ERR_INVALID_ARG_TYPE'],
      ['timeout negative', () => waitForMultipleEvents([e], { timeoutMs: -1 }), ''],
      ['timeout NaN', () => waitForMultipleEvents([e], { timeoutMs: NaN }), ''],
      ['timeout a string', () => waitForMultipleEvents([e], { timeoutMs: '10' as never }), ''],
      ['timeout coercible', () => waitForMultipleEvents([e], { timeoutMs: coercionTrap as never }), ''],
      ['the same event twice with waitAll', () => waitForMultipleEvents([e, e], { waitAll: true }), 'EINVAL'],
    ]
    for (const [what, call, code] of cases) {
      let err: unknown
      try {
        await Promise.race([
          call(),
          new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: did not settle`)), WAIT_MS)),
        ])
      } catch (x) {
        err = x
      }
      expect(err, what).toBeDefined()
      expect(err, what).not.toBe(COERCED)
      expect(isAcceptableError(err), `${what}: ${describeError(err)}`).toBe(true)
      if (code) expect((err as { code?: string }).code, what).toBe(code)
    }
  })

  it('the same event twice without waitAll is fine (the lowest index wins)', async () => {
    const e = own(new WsaEvent())
    e.set()
    expect(await waitForMultipleEvents([e, e], { timeoutMs: 0 })).toBe(0)
  })
})

describe('a refused call changes nothing', () => {
  it('a bad asyncSelect or eventSelect leaves the socket selected as it was', async () => {
    const col = new Collector('async')
    const { client, peer } = await pair(4)
    col.select(peer, FD_READ)
    const other = own(new MessageWindow(() => {}))
    const ev = own(new WsaEvent())
    const closedWindow = new MessageWindow(() => {})
    closedWindow.close()
    expectWsmError(() => asyncSelect(peer, other, 1, 99), 'EINVAL')
    expectWsmError(() => asyncSelect(peer, other, -5, FD_READ), 'EINVAL')
    expectWsmError(() => asyncSelect(peer, closedWindow, 1, FD_READ), 'EBADF')
    expectWsmError(() => eventSelect(peer, ev, 64), 'EINVAL')
    expectTypeError(() => eventSelect(peer, {} as never, FD_READ))
    client.send(bytes('still selected'))
    await col.next(peer, FD_READ)
    expect(await col.quiet(peer)).toEqual(['READ'])
    expect(ev.signaled).toBe(false)
  })
})

describe('the native functions under the models', () => {
  it('netSetup, netSelect and netEnum with junk: TypeError or a coded WsmError, never a crash', async () => {
    const { client, peer } = await pair(4)
    const raw = track(Socket.tcp()) // a socket the JavaScript side never selected
    const handles = [peer, client, raw].map((s) => nativeHandleOf(s))
    const pool: unknown[] = [...JUNK, ...handles, Object.create(native.SocketHandle.prototype)]
    const failures: string[] = []
    let calls = 0
    const attempt = (what: string, fn: () => unknown) => {
      calls++
      try {
        fn()
      } catch (e) {
        if (isUserCodeError(e)) return
        if (!isAcceptableError(e)) failures.push(`${what} threw ${describeError(e)}`)
      }
    }
    for (const a of pool) {
      // Never a function: netSetup with one would replace the dispatch of the models.
      if (typeof a !== 'function') attempt(`netSetup(${show(a)})`, () => native.netSetup(a as never))
      attempt(`netEnum(${show(a)})`, () => native.netEnum(a as never))
      for (const h of handles) {
        attempt(`netSelect(h, ${show(a)}, 1)`, () => native.netSelect(h, a as never, 1))
        attempt(`netSelect(h, false, ${show(a)})`, () => native.netSelect(h, false, a as never))
      }
      attempt(`netSelect(${show(a)}, true, 1)`, () => native.netSelect(a as never, true, 1))
    }
    expect(failures).toEqual([])
    expect(calls).toBeGreaterThan(JUNK.length * 5)
    // The models still work afterwards (the dispatch was not replaced, the reactor is sound).
    for (const h of handles) native.netSelect(h, false, 0)
    const col = new Collector('async')
    const p2 = await pair(4)
    col.select(p2.peer, FD_READ | FD_WRITE | FD_CLOSE)
    await col.next(p2.peer, FD_WRITE)
    p2.client.send(bytes('x'))
    p2.client.close()
    await col.next(p2.peer, FD_READ)
    expect(p2.peer.recv(new Uint8Array(8))).toBe(1)
    await col.next(p2.peer, FD_CLOSE)
    expect(await col.quiet(p2.peer)).toEqual(['WRITE', 'READ', 'CLOSE'])
  })
})
