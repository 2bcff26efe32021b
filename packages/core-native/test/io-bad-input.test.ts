// Bad input at every entry point of the completion models (Overlapped, recvOverlapped,
// sendOverlapped, acceptEx, connectEx, getOverlappedResult, cancelIoEx, sleepEx, WsaEvent,
// waitForMultipleEvents, CompletionPort, FileHandle, readFileOverlapped, writeFileOverlapped):
// a TypeError for a value of the wrong type, a WsmError with a code for a value the call cannot
// take; asynchronous calls reject rather than throw; never a crash, never an operation left
// behind, and the handles stay usable.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  CompletionPort,
  FileHandle,
  Overlapped,
  Socket,
  WsaEvent,
  WsmError,
  acceptEx,
  cancelIoEx,
  connectEx,
  getOverlappedResult,
  pendingOperations,
  readFileOverlapped,
  recvOverlapped,
  sendOverlapped,
  sleepEx,
  waitForMultipleEvents,
  writeFileOverlapped,
} from '../lib/index.js'
import { describeError, expectTypeError, expectWsmError, isAcceptableError, thrown } from './helpers/errors.js'
import { expectNoFdLeaks } from './helpers/fds.js'
import { COERCED, JUNK, isUserCodeError, show } from './helpers/junk.js'
import { expectRejectsType, expectRejectsWsm, outcome, untilDone, untilNoPendingOperations } from './helpers/overlapped.js'
import { LOOPBACK, bytes, closeAll, closedPort, listener, pair, tcp, text, track, useSocketCleanup } from './helpers/sockets.js'
import { within } from './helpers/time.js'

const dir = mkdtempSync(join(tmpdir(), 'wsm-bad-input-'))
const files: FileHandle[] = []
const ports: CompletionPort[] = []

expectNoFdLeaks(async () => {
  closeAll()
  for (const f of files.splice(0)) f.close()
  for (const p of ports.splice(0)) p.close()
  await untilNoPendingOperations()
  await sleepEx(0, true)
})
useSocketCleanup()
afterAll(() => rmSync(dir, { recursive: true, force: true }))

type Case = [label: string, value: unknown]

const WRONG_TYPES: Case[] = [
  ['null', null],
  ['an object', {}],
  ['an array', [1]],
  ['a boolean', true],
  ['a bigint', 1n],
  ['a symbol', Symbol('junk')],
  ['a function', () => 1],
  ['a string', 'x'],
  ['a number', 7],
]
const without = (...labels: string[]): Case[] => WRONG_TYPES.filter(([l]) => !labels.includes(l))
const NOT_NUMBERS: Case[] = [...without('a number'), ['a numeric string', '80'], ['a boxed number', new Number(80)]]
const NOT_BOOLEANS: Case[] = [...without('a boolean'), ['a boxed boolean', new Boolean(true)], ['0', 0], ['"true"', 'true']]
const NOT_OBJECTS: Case[] = [['null', null], ['a boolean', true], ['a bigint', 1n], ['a symbol', Symbol('x')], ['a string', 'x'], ['a number', 7]]
const NOT_BUFFERS: Case[] = [
  ...without('an array'),
  ['undefined', undefined],
  ['an ArrayBuffer', new ArrayBuffer(8)],
  ['a SharedArrayBuffer', new SharedArrayBuffer(8)],
  ['an array-like', { length: 8, byteLength: 8, buffer: new ArrayBuffer(8) }],
]
const BAD_WAITS: Array<[string, unknown, 'type' | 'EINVAL']> = [
  ['a string', '10', 'type'],
  ['null', null, 'type'],
  ['a bigint', 10n, 'type'],
  ['an object', {}, 'type'],
  ['a boolean', true, 'type'],
  ['negative', -1, 'EINVAL'],
  ['NaN', NaN, 'EINVAL'],
  ['-Infinity', -Infinity, 'EINVAL'],
  ['2^31', 2 ** 31, 'EINVAL'],
]
const NOT_KEYS: Array<[string, unknown, 'type' | 'EINVAL']> = [
  ...WRONG_TYPES.filter(([l]) => l !== 'a number').map(([l, v]) => [l, v, 'type'] as [string, unknown, 'type']),
  ['undefined', undefined, 'type'],
  ['NaN', NaN, 'EINVAL'],
  ['1.5', 1.5, 'EINVAL'],
  ['Infinity', Infinity, 'EINVAL'],
  ['2^53', 2 ** 53, 'EINVAL'],
]

/** A detached Uint8Array (its buffer transferred away). */
function detached(): Uint8Array {
  const u = new Uint8Array(16)
  structuredClone(u.buffer, { transfer: [u.buffer] })
  return u
}

/** Asserts a synchronous TypeError and that nothing was started. */
function refusedType(fn: () => unknown, ov?: Overlapped): void {
  const before = pendingOperations()
  expectTypeError(fn)
  expect(pendingOperations()).toBe(before)
  if (ov) expect(ov.pending).toBe(false)
}

/** Asserts a synchronous WsmError of `code` and that nothing was started. */
function refusedWsm(fn: () => unknown, code: string, ov?: Overlapped): WsmError {
  const before = pendingOperations()
  const e = expectWsmError(fn, code)
  expect(pendingOperations()).toBe(before)
  if (ov) expect(ov.pending).toBe(false)
  return e
}

/**
 * An asynchronous call: must return a promise (not throw), which rejects as described: 'type' is a
 * TypeError with ERR_INVALID_ARG_TYPE, another ERR_ code a TypeError with that code, else a WsmError's code.
 */
async function rejects(fn: () => Promise<unknown>, kind: 'type' | string): Promise<void> {
  let p: Promise<unknown>
  try {
    p = fn()
  } catch (e) {
    expect.fail(`threw synchronously instead of rejecting: ${describeError(e)}`)
  }
  expect(p).toBeInstanceOf(Promise)
  if (kind === 'type') await expectRejectsType(p)
  else if (kind.startsWith('ERR_')) await expectRejectsType(p, kind)
  else await expectRejectsWsm(p, kind)
}

function file(name: string, contents = 'contents'): string {
  const p = join(dir, name)
  writeFileSync(p, contents)
  return p
}

function openFile(path: string, options: Parameters<typeof FileHandle.open>[1]): FileHandle {
  const f = FileHandle.open(path, options)
  files.push(f)
  return f
}

describe('Overlapped', () => {
  it('options of the wrong type, or an event that is not a WsaEvent: TypeError', () => {
    for (const [, options] of NOT_OBJECTS) expectTypeError(() => new Overlapped(options as never))
    for (const [, event] of [...WRONG_TYPES, ['a WsaEvent-like', { set() {}, signaled: false }] as Case]) {
      expectTypeError(() => new Overlapped({ event } as never))
    }
    expect(new Overlapped({}).event).toBeNull()
    expect(new Overlapped(undefined).event).toBeNull()
    expect(new Overlapped({ event: undefined }).event).toBeNull()
  })

  it('an object made from its prototype is no Overlapped: the calls refuse it with a TypeError', async () => {
    const fake = Object.create(Overlapped.prototype) as Overlapped
    const { client } = await pair(4)
    refusedType(() => recvOverlapped(client, new Uint8Array(4), fake))
    refusedType(() => sendOverlapped(client, new Uint8Array(4), fake))
    await rejects(() => getOverlappedResult(client, fake, false), 'type')
    expectTypeError(() => cancelIoEx(client, fake))
  })
})

describe('recvOverlapped and sendOverlapped', () => {
  for (const [name, start] of [
    ['recvOverlapped', recvOverlapped],
    ['sendOverlapped', sendOverlapped],
  ] as const) {
    it(`${name}: socket, buffers, overlapped and routine of the wrong type are TypeErrors; the socket stays usable`, async () => {
      const { client, peer } = await pair(4)
      const ov = new Overlapped()
      for (const [, s] of [...WRONG_TYPES, ['undefined', undefined] as Case, ['a FileHandle', openFile(file(`${name}-fh`), { read: true })] as Case]) {
        refusedType(() => start(s as never, new Uint8Array(4), ov), ov)
      }
      refusedType(() => start(Object.create(Socket.prototype), new Uint8Array(4), ov), ov)
      for (const [, buffers] of NOT_BUFFERS) refusedType(() => start(client, buffers as never, ov), ov)
      for (const [, item] of NOT_BUFFERS) refusedType(() => start(client, [new Uint8Array(4), item] as never, ov), ov)
      refusedType(() => start(client, new DataView(new ArrayBuffer(4)) as never, ov), ov)
      refusedType(() => start(client, detached(), ov), ov)
      refusedType(() => start(client, [new Uint8Array(2), detached()], ov), ov)
      for (const [, o] of [...WRONG_TYPES, ['undefined', undefined] as Case]) refusedType(() => start(client, new Uint8Array(4), o as never))
      for (const [, routine] of without('a function')) refusedType(() => start(client, new Uint8Array(4), ov, routine as never), ov)
      // Still usable: a real exchange.
      const sov = new Overlapped()
      sendOverlapped(client, bytes('fine'), sov)
      expect((await outcome(client, sov)).bytes).toBe(4)
      const rov = new Overlapped()
      const buf = new Uint8Array(8)
      recvOverlapped(peer, buf, rov)
      expect((await outcome(peer, rov)).bytes).toBe(4)
      expect(text(buf, 4)).toBe('fine')
    })

    it(`${name}: an empty WSABUF array, or more than IOV_MAX buffers, is EINVAL`, async () => {
      const { client } = await pair(4)
      const ov = new Overlapped()
      refusedWsm(() => start(client, [], ov), 'EINVAL', ov)
      refusedWsm(() => start(client, Array.from({ length: 1025 }, () => new Uint8Array(1)), ov), 'EINVAL', ov)
    })

    it(`${name}: a closed socket is EBADF (WSAEBADF), and nothing is started`, async () => {
      const { client } = await pair(4)
      client.close()
      const ov = new Overlapped()
      expect(refusedWsm(() => start(client, new Uint8Array(4), ov), 'EBADF', ov).wsaCode).toBe(10009)
    })
  }

  it('views over a SharedArrayBuffer, and typed arrays of any kind, are buffers like the others', async () => {
    const { client, peer } = await pair(4)
    const shared = new Uint8Array(new SharedArrayBuffer(16))
    shared.set(bytes('shared bytes'))
    const sov = new Overlapped()
    sendOverlapped(client, [shared.subarray(0, 12), new Float64Array([0]).subarray(0, 0) as unknown as Uint8Array], sov)
    expect((await outcome(client, sov)).bytes).toBe(12)
    const into = new Uint8Array(new SharedArrayBuffer(32)).subarray(4)
    const rov = new Overlapped()
    recvOverlapped(peer, into, rov)
    const r = await outcome(peer, rov)
    expect(r).toMatchObject({ bytes: 12, code: null })
    expect(text(into, 12)).toBe('shared bytes')
    // A Uint16Array counts its bytes, not its elements.
    const wide = new Uint16Array(4)
    const wov = new Overlapped()
    client.send(bytes('12345678'))
    recvOverlapped(peer, wide as unknown as Uint8Array, wov)
    expect((await outcome(peer, wov)).bytes).toBe(8)
    expect(text(new Uint8Array(wide.buffer), 8)).toBe('12345678')
  })

  it('a receive on a listening socket fails at the call with ENOTCONN; a send on an unconnected one too', async () => {
    const server = listener(4)
    const ov = new Overlapped()
    expectWsmError(() => recvOverlapped(server, new Uint8Array(4), ov), 'ENOTCONN')
    const s = tcp(4)
    expectWsmError(() => sendOverlapped(s, bytes('x'), ov), 'ENOTCONN')
    expect(ov.pending).toBe(false)
  })
})

describe('acceptEx', () => {
  it('arguments of the wrong type are TypeErrors', async () => {
    const server = listener(4)
    const ov = new Overlapped()
    for (const [, v] of [...WRONG_TYPES, ['undefined', undefined] as Case]) {
      refusedType(() => acceptEx(v as never, tcp(4), ov), ov)
      refusedType(() => acceptEx(server, v as never, ov), ov)
      refusedType(() => acceptEx(server, tcp(4), v as never))
    }
    for (const [, routine] of without('a function')) refusedType(() => acceptEx(server, tcp(4), ov, routine as never), ov)
  })

  it('a listener that is not listening, an accept socket that is the listener, bound, connected or of another family: EINVAL', async () => {
    const server = listener(4)
    const ov = new Overlapped()
    refusedWsm(() => acceptEx(tcp(4), tcp(4), ov), 'EINVAL', ov)
    refusedWsm(() => acceptEx(server, server, ov), 'EINVAL', ov)
    const bound = tcp(4)
    bound.bind(0, LOOPBACK[4])
    refusedWsm(() => acceptEx(server, bound, ov), 'EINVAL', ov)
    const { client } = await pair(4)
    refusedWsm(() => acceptEx(server, client, ov), 'EINVAL', ov)
    refusedWsm(() => acceptEx(server, tcp(6), ov), 'EINVAL', ov)
    refusedWsm(() => acceptEx(listener(6), tcp(4), ov), 'EINVAL', ov)
  })

  it('a closed listener or accept socket is EBADF', () => {
    const server = listener(4)
    const ov = new Overlapped()
    const closed = tcp(4)
    closed.close()
    refusedWsm(() => acceptEx(server, closed, ov), 'EBADF', ov)
    server.close()
    refusedWsm(() => acceptEx(server, tcp(4), ov), 'EBADF', ov)
  })
})

describe('connectEx', () => {
  it('wrong types are TypeErrors; bad ports and hosts EINVAL; nothing started; then a good connect works', async () => {
    const server = listener(4)
    const s = tcp(4)
    const ov = new Overlapped()
    for (const [, port] of [...NOT_NUMBERS, ['undefined', undefined] as Case]) {
      refusedType(() => connectEx(s, port as never, LOOPBACK[4], ov), ov)
    }
    for (const port of [0, -1, 65536, 1.5, NaN, Infinity]) refusedWsm(() => connectEx(s, port, LOOPBACK[4], ov), 'EINVAL', ov)
    for (const [, host] of without('a string')) refusedType(() => connectEx(s, server.localPort, host as never, ov), ov)
    for (const host of ['', '::1', 'example.com', '256.1.1.1', '127.0.0.1\0', ' 127.0.0.1']) {
      refusedWsm(() => connectEx(s, server.localPort, host, ov), 'EINVAL', ov)
    }
    for (const [, v] of [...WRONG_TYPES, ['undefined', undefined] as Case]) {
      refusedType(() => connectEx(v as never, server.localPort, LOOPBACK[4], ov), ov)
      refusedType(() => connectEx(s, server.localPort, LOOPBACK[4], v as never))
    }
    for (const [, routine] of without('a function')) refusedType(() => connectEx(s, server.localPort, LOOPBACK[4], ov, routine as never), ov)
    // Nothing reached the kernel: the socket is still fresh and connects.
    connectEx(s, server.localPort, LOOPBACK[4], ov)
    expect((await outcome(s, ov)).code).toBeNull()
  })

  it('a connected socket is EISCONN; a connecting one EINVAL (as Windows); a listening one EINVAL; a closed one EBADF', async () => {
    const { client } = await pair(4)
    const ov = new Overlapped()
    refusedWsm(() => connectEx(client, closedPort(4), LOOPBACK[4], ov), 'EISCONN', ov)
    const server = listener(4)
    refusedWsm(() => connectEx(server, closedPort(4), LOOPBACK[4], ov), 'EINVAL', ov)
    const full = listener(4, 0)
    const s = tcp(4)
    connectEx(s, full.localPort, LOOPBACK[4], ov)
    const again = new Overlapped()
    // Connecting, or (if the handshake already finished) connected.
    const e = thrown(() => connectEx(s, full.localPort, LOOPBACK[4], again))
    expect(e).toBeInstanceOf(WsmError)
    expect(['EINVAL', 'EISCONN']).toContain((e as WsmError).code)
    expect(again.pending).toBe(false)
    await outcome(s, ov)
    const closed = tcp(4)
    closed.close()
    refusedWsm(() => connectEx(closed, server.localPort, LOOPBACK[4], again), 'EBADF', again)
  })
})

describe('getOverlappedResult and cancelIoEx', () => {
  it('getOverlappedResult rejects (never throws) for wrong types and for an Overlapped of no operation or of another handle', async () => {
    const { client, peer } = await pair(4)
    const ov = new Overlapped()
    sendOverlapped(client, bytes('x'), ov)
    await outcome(client, ov)
    for (const [, h] of [...NOT_OBJECTS, ['undefined', undefined] as Case]) await rejects(() => getOverlappedResult(h as never, ov, false), 'type')
    for (const [, o] of [...WRONG_TYPES, ['undefined', undefined] as Case]) await rejects(() => getOverlappedResult(client, o as never, false), 'type')
    for (const [, w] of [...NOT_BOOLEANS, ['undefined', undefined] as Case]) await rejects(() => getOverlappedResult(client, ov, w as never), 'type')
    await rejects(() => getOverlappedResult(client, new Overlapped(), true), 'EINVAL')
    await rejects(() => getOverlappedResult(peer, ov, true), 'EINVAL')
    await rejects(() => getOverlappedResult({}, ov, true), 'EINVAL')
    expect(await getOverlappedResult(client, ov, false)).toEqual({ bytes: 1, flags: 0 })
  })

  it('cancelIoEx: wrong types are TypeErrors; an Overlapped of nothing (or of another handle) cancels nothing', async () => {
    const { client, peer } = await pair(4)
    const ov = new Overlapped()
    recvOverlapped(peer, new Uint8Array(4), ov)
    for (const [, h] of [...NOT_OBJECTS, ['undefined', undefined] as Case]) expectTypeError(() => cancelIoEx(h as never))
    for (const [, h] of [['an object', {}], ['an array', []], ['a WsaEvent', new WsaEvent()]] as Case[]) {
      expectTypeError(() => cancelIoEx(h as never))
    }
    for (const [, o] of without('an object').filter(([l]) => l !== 'an array')) expectTypeError(() => cancelIoEx(peer, o as never))
    expect(cancelIoEx(peer, new Overlapped())).toBe(false)
    expect(cancelIoEx(client, ov)).toBe(false)
    expect(cancelIoEx(client)).toBe(false)
    expect(ov.pending).toBe(true)
    const closed = tcp(4)
    closed.close()
    expect(cancelIoEx(closed)).toBe(false)
    expect(cancelIoEx(peer)).toBe(true)
    expect((await outcome(peer, ov)).code).toBe('ECANCELED')
  })
})

describe('sleepEx, WsaEvent and waitForMultipleEvents', () => {
  it('sleepEx rejects wrong types and out-of-range times (a forgotten ms included)', async () => {
    for (const [, ms, kind] of BAD_WAITS) await rejects(() => sleepEx(ms as never, false), kind)
    await rejects(() => sleepEx(undefined as never, true), 'type')
    await rejects(() => (sleepEx as () => Promise<number>)(), 'type')
    for (const [, a] of [...NOT_BOOLEANS, ['undefined', undefined] as Case]) await rejects(() => sleepEx(0, a as never), 'type')
    expect(await sleepEx(0, false)).toBe(0)
  })

  it('WsaEvent methods refuse a receiver that is not a WsaEvent (TypeError); extra arguments are ignored', () => {
    for (const [, self] of [...WRONG_TYPES, ['undefined', undefined] as Case, ['a prototype object', Object.create(WsaEvent.prototype)] as Case]) {
      expectTypeError(() => WsaEvent.prototype.set.call(self), 'ERR_INVALID_THIS')
      expectTypeError(() => WsaEvent.prototype.reset.call(self), 'ERR_INVALID_THIS')
      expectTypeError(() => WsaEvent.prototype.close.call(self), 'ERR_INVALID_THIS')
      expectTypeError(() => Object.getOwnPropertyDescriptor(WsaEvent.prototype, 'signaled')!.get!.call(self), 'ERR_INVALID_THIS')
    }
    const e = new WsaEvent()
    ;(e.set as (x: unknown) => void)(coercionFree())
    expect(e.signaled).toBe(true)
  })

  it('waitForMultipleEvents rejects wrong types and values', async () => {
    const e = new WsaEvent()
    for (const [, evts] of [...WRONG_TYPES.filter(([l]) => l !== 'an array'), ['undefined', undefined] as Case, ['a Set', new Set([e])] as Case]) {
      await rejects(() => waitForMultipleEvents(evts as never, { timeoutMs: 0 }), 'type')
    }
    for (const [, item] of [...WRONG_TYPES, ['undefined', undefined] as Case]) {
      await rejects(() => waitForMultipleEvents([e, item] as never, { timeoutMs: 0 }), 'type')
    }
    for (const [, options] of NOT_OBJECTS) await rejects(() => waitForMultipleEvents([e], options as never), 'type')
    for (const [, v] of NOT_BOOLEANS) {
      await rejects(() => waitForMultipleEvents([e], { waitAll: v, timeoutMs: 0 } as never), 'type')
      await rejects(() => waitForMultipleEvents([e], { alertable: v, timeoutMs: 0 } as never), 'type')
    }
    for (const [, ms, kind] of BAD_WAITS) await rejects(() => waitForMultipleEvents([e], { timeoutMs: ms } as never), kind)
    await rejects(() => waitForMultipleEvents([], { timeoutMs: 0 }), 'EINVAL')
    await rejects(() => waitForMultipleEvents(Array.from({ length: 65 }, () => new WsaEvent()), { timeoutMs: 0 }), 'EINVAL')
    await rejects(() => waitForMultipleEvents([Object.create(WsaEvent.prototype)], { timeoutMs: 0 }), 'type')
  })
})

/** An argument that throws if anything coerces it (it must only ever be ignored). */
function coercionFree(): unknown {
  return {
    valueOf: () => {
      throw COERCED
    },
    toString: () => {
      throw COERCED
    },
  }
}

describe('CompletionPort', () => {
  function port(): CompletionPort {
    const p = new CompletionPort()
    ports.push(p)
    return p
  }

  it('constructor: options and concurrency of the wrong type are TypeErrors, out of range EINVAL', () => {
    for (const [, options] of NOT_OBJECTS) expectTypeError(() => new CompletionPort(options as never))
    for (const [, c] of NOT_NUMBERS.filter(([l]) => l !== 'null')) expectTypeError(() => new CompletionPort({ concurrency: c } as never))
    for (const c of [-1, 1.5, NaN, Infinity, 1025, 2 ** 53]) expectWsmError(() => new CompletionPort({ concurrency: c }), 'EINVAL')
    expect(new CompletionPort({ concurrency: 4 }).concurrency).toBe(4)
  })

  it('associate: handles that are not sockets or files are TypeErrors; keys of the wrong type TypeErrors, unsafe ones EINVAL', () => {
    const p = port()
    const s = tcp(4)
    for (const [, h] of [...WRONG_TYPES, ['undefined', undefined] as Case, ['an Overlapped', new Overlapped()] as Case, ['a WsaEvent', new WsaEvent()] as Case, ['a prototype object', Object.create(Socket.prototype)] as Case]) {
      expectTypeError(() => p.associate(h as never, 1))
    }
    for (const [, key, kind] of NOT_KEYS) {
      if (kind === 'type') expectTypeError(() => p.associate(s, key as never))
      else expectWsmError(() => p.associate(s, key as never), 'EINVAL')
    }
    // None of those associated it: it still can be.
    p.associate(s, 1)
  })

  it('getQueuedCompletionStatus(Ex): bad time-outs and maxima reject (never throw)', async () => {
    const p = port()
    for (const [, ms, kind] of BAD_WAITS) {
      await rejects(() => p.getQueuedCompletionStatus(ms as never), kind)
      await rejects(() => p.getQueuedCompletionStatusEx(1, ms as never), kind)
    }
    for (const [, max] of [...NOT_NUMBERS, ['undefined', undefined] as Case]) await rejects(() => p.getQueuedCompletionStatusEx(max as never, 0), 'type')
    for (const max of [0, -1, 1.5, NaN, Infinity, 65537]) await rejects(() => p.getQueuedCompletionStatusEx(max, 0), 'EINVAL')
    await rejects(() => CompletionPort.prototype.getQueuedCompletionStatus.call({} as never, 0), 'ERR_INVALID_THIS')
    await rejects(() => CompletionPort.prototype.getQueuedCompletionStatusEx.call({} as never, 1, 0), 'ERR_INVALID_THIS')
    // No waiter was left behind by any of them.
    p.postQueuedCompletionStatus(1, 2)
    expect(await p.getQueuedCompletionStatus(0)).toMatchObject({ bytes: 1, key: 2 })
  })

  it('postQueuedCompletionStatus: bytes, key and overlapped are checked; nothing is queued on failure', () => {
    const p = port()
    for (const [, b] of [...NOT_NUMBERS, ['undefined', undefined] as Case]) expectTypeError(() => p.postQueuedCompletionStatus(b as never, 1))
    for (const b of [-1, 1.5, NaN, Infinity, 2 ** 32]) expectWsmError(() => p.postQueuedCompletionStatus(b, 1), 'EINVAL')
    for (const [, key, kind] of NOT_KEYS) {
      if (kind === 'type') expectTypeError(() => p.postQueuedCompletionStatus(1, key as never))
      else expectWsmError(() => p.postQueuedCompletionStatus(1, key as never), 'EINVAL')
    }
    for (const [, o] of [...without('null'), ['a WsaEvent', new WsaEvent()] as Case]) {
      expectTypeError(() => p.postQueuedCompletionStatus(1, 1, o as never))
    }
    expectTypeError(() => CompletionPort.prototype.postQueuedCompletionStatus.call({} as never, 1, 1), 'ERR_INVALID_THIS')
    expectTypeError(() => CompletionPort.prototype.close.call({} as never), 'ERR_INVALID_THIS')
    expect(p.size).toBe(0)
  })
})

describe('FileHandle', () => {
  it('open: a path of the wrong type is a TypeError; empty or with NUL EINVAL; options checked', () => {
    const p = file('open-args')
    for (const [, path] of [...without('a string'), ['undefined', undefined] as Case, ['a Buffer', Buffer.from(p)] as Case, ['a URL', new URL(`file://${p}`)] as Case]) {
      expectTypeError(() => openFile(path as never, { read: true }))
    }
    expectWsmError(() => openFile('', { read: true }), 'EINVAL')
    expectWsmError(() => openFile(`${p}\0junk`, { read: true }), 'EINVAL')
    for (const [, options] of [...NOT_OBJECTS, ['undefined', undefined] as Case]) expectTypeError(() => openFile(p, options as never))
    for (const name of ['read', 'write', 'create', 'exclusive', 'truncate', 'unbuffered']) {
      for (const [, v] of NOT_BOOLEANS) expectTypeError(() => openFile(p, { read: true, write: true, [name]: v } as never))
    }
    for (const [, mode] of without('a number').filter(([l]) => l !== 'null')) {
      expectTypeError(() => openFile(join(dir, 'mode'), { write: true, create: true, mode } as never))
    }
    for (const mode of [-1, 0o10000, 1.5, NaN]) expectWsmError(() => openFile(join(dir, 'mode'), { write: true, create: true, mode }), 'EINVAL')
    // Neither read nor write; create/exclusive/truncate without write.
    expectWsmError(() => openFile(p, {}), 'EINVAL')
    for (const flag of ['create', 'exclusive', 'truncate']) expectWsmError(() => openFile(p, { read: true, [flag]: true }), 'EINVAL')
    expectWsmError(() => openFile('a'.repeat(5000), { read: true }), 'ENAMETOOLONG')
  })

  it('size and setSize: wrong types are TypeErrors, negative or too large EINVAL; a read-only file cannot be resized', () => {
    const f = openFile(file('sizes', '0123456789'), { read: true, write: true })
    for (const [, n] of [...without('a number', 'a bigint'), ['undefined', undefined] as Case, ['a numeric string', '5'] as Case]) {
      expectTypeError(() => f.setSize(n as never))
    }
    for (const n of [-1, -1n, 1.5, NaN, Infinity, 2 ** 53, 2n ** 63n, 2n ** 64n]) expectWsmError(() => f.setSize(n as never), 'EINVAL')
    expect(f.size()).toBe(10n)
    const r = openFile(file('readonly', 'abc'), { read: true })
    expect(isAcceptableError(thrown(() => r.setSize(1n)))).toBe(true)
    expect(r.size()).toBe(3n)
    expectTypeError(() => FileHandle.prototype.size.call({} as never), 'ERR_INVALID_THIS')
    expectTypeError(() => FileHandle.prototype.setSize.call({} as never, 1n), 'ERR_INVALID_THIS')
    expectTypeError(() => FileHandle.prototype.close.call({} as never), 'ERR_INVALID_THIS')
  })

  for (const [name, start] of [
    ['readFileOverlapped', readFileOverlapped],
    ['writeFileOverlapped', writeFileOverlapped],
  ] as const) {
    it(`${name}: file, buffer, offset, overlapped and routine are checked; nothing is started on failure`, async () => {
      const f = openFile(file(`${name}-args`, 'abcdefgh'), { read: true, write: true })
      const ov = new Overlapped()
      for (const [, h] of [...WRONG_TYPES, ['undefined', undefined] as Case, ['a Socket', tcp(4)] as Case, ['a prototype object', Object.create(FileHandle.prototype)] as Case]) {
        refusedType(() => start(h as never, new Uint8Array(4), 0, ov), ov)
      }
      for (const [, buf] of [...NOT_BUFFERS, ['an array of buffers', [new Uint8Array(4)]] as Case]) refusedType(() => start(f, buf as never, 0, ov), ov)
      refusedType(() => start(f, detached(), 0, ov), ov)
      for (const [, off] of [...without('a number', 'a bigint'), ['undefined', undefined] as Case, ['a numeric string', '0'] as Case]) {
        refusedType(() => start(f, new Uint8Array(4), off as never, ov), ov)
      }
      for (const off of [-1, -1n, 1.5, NaN, Infinity, 2 ** 53, 2n ** 63n]) refusedWsm(() => start(f, new Uint8Array(4), off as never, ov), 'EINVAL', ov)
      for (const [, o] of [...WRONG_TYPES, ['undefined', undefined] as Case]) refusedType(() => start(f, new Uint8Array(4), 0, o as never))
      for (const [, routine] of without('a function')) refusedType(() => start(f, new Uint8Array(4), 0, ov, routine as never), ov)
      // A DataView is a buffer here, as for Socket#recv.
      start(f, new DataView(new ArrayBuffer(4)) as never, 0n, ov)
      expect((await outcome(f, ov)).bytes).toBe(4)
      // Still fine afterwards.
      const buf = new Uint8Array(8)
      readFileOverlapped(f, buf, 0n, ov)
      expect((await outcome(f, ov)).bytes).toBe(8)
    })
  }
})

/**
 * Junk of every JavaScript type in each argument of each call, the others valid: the call
 * succeeds, or fails with a TypeError or a WsmError (as a rejection when it is asynchronous);
 * user code throwing during validation may propagate; nothing is ever coerced.
 */
describe('fuzz: junk in every argument position', () => {
  interface Target {
    name: string
    arity: number
    /** Fresh valid arguments. */
    args(): Promise<unknown[]> | unknown[]
    call(...args: unknown[]): unknown
    /** Positions not to fill with junk (time-outs: a huge valid one would just wait). */
    skip?: number[]
  }

  const targets: Target[] = [
    {
      name: 'new Overlapped',
      arity: 1,
      args: () => [{}],
      call: (o) => new Overlapped(o as never),
    },
    {
      name: 'recvOverlapped',
      arity: 4,
      async args() {
        const { peer } = await pair(4)
        return [peer, new Uint8Array(8), new Overlapped(), undefined]
      },
      call: (s, b, o, r) => recvOverlapped(s as never, b as never, o as never, r as never),
    },
    {
      name: 'sendOverlapped',
      arity: 4,
      async args() {
        const { client } = await pair(4)
        return [client, new Uint8Array(8), new Overlapped(), undefined]
      },
      call: (s, b, o, r) => sendOverlapped(s as never, b as never, o as never, r as never),
    },
    {
      name: 'acceptEx',
      arity: 4,
      args: () => [listener(4), track(Socket.tcp()), new Overlapped(), undefined],
      call: (l, a, o, r) => acceptEx(l as never, a as never, o as never, r as never),
    },
    {
      name: 'connectEx',
      arity: 5,
      args: () => [tcp(4), closedPort(4), '127.0.0.1', new Overlapped(), undefined],
      call: (s, p, h, o, r) => connectEx(s as never, p as never, h as never, o as never, r as never),
    },
    {
      name: 'getOverlappedResult',
      arity: 3,
      async args() {
        const { client } = await pair(4)
        const ov = new Overlapped()
        sendOverlapped(client, bytes('x'), ov)
        await outcome(client, ov)
        return [client, ov, false]
      },
      call: (h, o, w) => getOverlappedResult(h as never, o as never, w as never),
    },
    {
      name: 'cancelIoEx',
      arity: 2,
      args: () => [tcp(4), new Overlapped()],
      call: (h, o) => cancelIoEx(h as never, o as never),
    },
    {
      name: 'sleepEx',
      arity: 2,
      args: () => [0, true],
      call: (ms, a) => sleepEx(ms as never, a as never),
      skip: [0],
    },
    {
      name: 'waitForMultipleEvents',
      arity: 2,
      args: () => [[new WsaEvent()], { timeoutMs: 0 }],
      call: (e, o) => waitForMultipleEvents(e as never, o as never),
      skip: [1],
    },
    {
      name: 'new CompletionPort',
      arity: 1,
      args: () => [{}],
      call: (o) => {
        const p = new CompletionPort(o as never)
        ports.push(p)
        return p
      },
    },
    {
      name: 'CompletionPort#associate',
      arity: 2,
      args: () => [tcp(4), 1],
      call: (h, k) => {
        const p = new CompletionPort()
        ports.push(p)
        p.associate(h as never, k as never)
      },
    },
    {
      name: 'CompletionPort#getQueuedCompletionStatusEx',
      arity: 2,
      args: () => [4, 0],
      call: (m, t) => {
        const p = new CompletionPort()
        ports.push(p)
        return p.getQueuedCompletionStatusEx(m as never, t as never)
      },
      skip: [1],
    },
    {
      name: 'CompletionPort#postQueuedCompletionStatus',
      arity: 3,
      args: () => [1, 1, null],
      call: (b, k, o) => {
        const p = new CompletionPort()
        ports.push(p)
        p.postQueuedCompletionStatus(b as never, k as never, o as never)
      },
    },
    {
      name: 'FileHandle.open',
      arity: 2,
      args: () => [file('fuzz-open'), { read: true }],
      call: (p, o) => {
        const f = FileHandle.open(p as never, o as never)
        files.push(f)
        return f
      },
    },
    {
      name: 'FileHandle#setSize',
      arity: 1,
      args: () => [4n],
      call: (n) => openFile(file('fuzz-size', 'abcdefgh'), { read: true, write: true }).setSize(n as never),
    },
    {
      name: 'readFileOverlapped',
      arity: 5,
      args: () => [openFile(file('fuzz-read'), { read: true, write: true }), new Uint8Array(8), 0, new Overlapped(), undefined],
      call: (f, b, o, v, r) => readFileOverlapped(f as never, b as never, o as never, v as never, r as never),
    },
    {
      name: 'writeFileOverlapped',
      arity: 5,
      args: () => [openFile(file('fuzz-write'), { read: true, write: true }), new Uint8Array(8), 0, new Overlapped(), undefined],
      call: (f, b, o, v, r) => writeFileOverlapped(f as never, b as never, o as never, v as never, r as never),
    },
  ]

  for (const t of targets) {
    it(`${t.name}`, async () => {
      const failures: string[] = []
      for (let pos = 0; pos < t.arity; pos++) {
        if (t.skip?.includes(pos)) continue
        for (const junk of JUNK) {
          const valid = await t.args()
          const args = [...valid]
          args[pos] = junk
          let error: unknown = null
          try {
            const r = t.call(...args)
            if (r instanceof Promise) await within(r, `${t.name}(${show(junk)} at ${pos})`, 1000)
          } catch (e) {
            error = e
          }
          if (error === COERCED) failures.push(`${t.name}: argument ${pos} = ${show(junk)} was coerced`)
          else if (error !== null && !isUserCodeError(error) && !isAcceptableError(error)) {
            failures.push(`${t.name}: argument ${pos} = ${show(junk)}: ${describeError(error)}`)
          }
          // Whatever got started (the junk was a valid value after all) is finished before the
          // next attempt: cancelled on the handles of the valid arguments, and waited for.
          const handles = valid.filter((a): a is object => a instanceof Socket || a instanceof FileHandle)
          for (const ov of valid.filter((a): a is Overlapped => a instanceof Overlapped)) {
            if (!ov.pending) continue
            for (const h of handles) cancelIoEx(h, ov)
            await untilDone(ov, `${t.name}(${show(junk)} at ${pos}) after cancelIoEx`)
          }
          closeAll()
          for (const f of files.splice(0)) f.close()
          for (const p of ports.splice(0)) p.close()
        }
      }
      await untilNoPendingOperations()
      expect(failures).toEqual([])
    }, 60_000)
  }
})
