// Fuzz of the public surface: every export of the package (functions, constructors, static
// methods) and every method and getter of every exported class, called with random arguments and,
// for the members, random receivers (a live instance of the class most of the time, else junk, an
// instance of another class or an object made with Object.create(X.prototype)). Each call returns
// or fails with a TypeError carrying one of the library's codes or a WsmError with a POSIX code
// (as a rejection when it returns a promise); errors raised by user code during validation may
// pass through. Nothing crashes, nothing leaks a descriptor. FUZZ_SEED picks the seed (printed).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import * as core from '../lib/index.js'
import { CompletionPort, FdSet, FileHandle, MessageWindow, Overlapped, Socket, WsaEvent } from '../lib/index.js'
import { describeError, isAcceptableError } from './helpers/errors.js'
import { JUNK, isUserCodeError, prng, show } from './helpers/junk.js'
import { expectNoFdLeaks } from './helpers/fds.js'
import { closeAll, eventually, pair, track } from './helpers/sockets.js'

const SEED = Number(process.env.FUZZ_SEED ?? 0xc0de)
console.log(`exports-fuzz.test.ts: FUZZ_SEED=${SEED}`)
const GENERATIONS = 20
const CALLS_PER_GENERATION = 1000

// Junk paths resolve inside a temp dir: the fuzz may create files (FileHandle.open with create).
const dir = mkdtempSync(join(tmpdir(), 'wsm-exports-fuzz-'))
const cwd = process.cwd()
const closers: Array<() => void> = []

function closeEverything(): void {
  for (const close of closers.splice(0)) {
    try {
      close()
    } catch {
      // already closed, or not closable: the fuzz only has to leave nothing open
    }
  }
  closeAll()
}

expectNoFdLeaks(closeEverything)
beforeAll(() => process.chdir(dir))
afterAll(() => {
  process.chdir(cwd)
  rmSync(dir, { recursive: true, force: true })
})

type Fn = (...args: unknown[]) => unknown
type Class = (new (...args: unknown[]) => object) & Record<string, unknown>

function isClass(value: unknown): value is Class {
  return typeof value === 'function' && Function.prototype.toString.call(value).startsWith('class')
}

const exported: Array<[string, unknown]> = Object.entries(core)
const classes = exported.filter((e): e is [string, Class] => isClass(e[1]))
const functions = exported.filter((e): e is [string, Fn] => typeof e[1] === 'function' && !isClass(e[1]))

/** Whatever a call made, closed or stopped when the generation ends (and its promise checked). */
function own(value: unknown): void {
  if (typeof value !== 'object' || value === null) return
  const v = value as { close?: unknown; stop?: unknown; done?: unknown }
  if (typeof v.stop === 'function' && v.done instanceof Promise) {
    v.done.catch(() => {})
    closers.push(() => (v.stop as () => void)())
  } else if (typeof v.close === 'function') {
    closers.push(() => (v.close as () => void)())
  }
}

/** One live instance of each class, made fresh each generation. */
async function makeLive(): Promise<Record<string, object[]>> {
  const { server, client, peer } = await pair(4)
  client.send(new Uint8Array([1, 2, 3]))
  // Two bound UDP sockets with a datagram queued, so that the datagram calls meet data too.
  const udpPair = [track(Socket.udp()), track(Socket.udp())] as const
  for (const u of udpPair) u.bind(0, '127.0.0.1')
  udpPair[0].sendTo(new Uint8Array([4, 5]), udpPair[1].localPort, '127.0.0.1')
  const event = new WsaEvent()
  writeFileSync(join(dir, 'file'), 'contents')
  const file = FileHandle.open(join(dir, 'file'), { read: true, write: true })
  const live: Record<string, object[]> = {
    Socket: [server, client, peer, track(Socket.tcp({ family: 6 })), udpPair[0], udpPair[1]],
    FdSet: [new FdSet([client, peer]), new FdSet()],
    WsaEvent: [event],
    MessageWindow: [new MessageWindow(() => {})],
    Overlapped: [new Overlapped(), new Overlapped({ event })],
    CompletionPort: [new CompletionPort()],
    FileHandle: [file],
    WsmError: [new core.WsmError('x', { code: 'EINVAL', errno: -22, syscall: 'x' })],
    ...(await liveDriverObjects()),
  }
  for (const objects of Object.values(live)) for (const o of objects) own(o)
  return live
}

/**
 * A listener and a connected pair from the drivers. Their 'error' events (a destroy(err) the fuzz
 * makes, a reset) are listened to, and every connection is destroyed when the generation ends.
 */
async function liveDriverObjects(): Promise<{ Listener: object[]; Connection: object[] }> {
  const listener = core.listen({ host: '127.0.0.1' })
  const connections: core.Connection[] = []
  const adopt = (c: core.Connection): core.Connection => {
    c.on('error', () => {})
    connections.push(c)
    closers.push(() => c.destroy())
    return c
  }
  listener.on('error', () => {})
  const accepted = new Promise<core.Connection>((resolve) => listener.once('connection', resolve))
  listener.on('connection', adopt)
  const client = adopt(await core.connect({ port: listener.address().port, host: '127.0.0.1' }))
  await accepted
  return { Listener: [listener], Connection: [client, ...connections.filter((c) => c !== client)] }
}

describe('fuzz of every export and every prototype member', () => {
  it(`${GENERATIONS * CALLS_PER_GENERATION} calls: every failure is a coded TypeError or a WsmError, nothing crashes`, async () => {
    const random = prng(SEED)
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!
    const failures: string[] = []
    const outcomes = { returned: 0, typeErrors: 0, wsmErrors: 0, userErrors: 0 }
    const reached = new Set<string>()
    // Timers the calls start (sleepEx(65536, ...), a long select time-out): cleared at the end, so
    // that they neither keep the process alive nor fire into the next test.
    const timers: ReturnType<typeof setTimeout>[] = []
    const realSetTimeout = globalThis.setTimeout
    const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((...args: Parameters<typeof setTimeout>) => {
      const t = realSetTimeout(...args)
      timers.push(t)
      return t
    }) as typeof setTimeout)

    const judge = (what: string, e: unknown): void => {
      if (isAcceptableError(e)) {
        if (e instanceof TypeError) outcomes.typeErrors++
        else outcomes.wsmErrors++
      } else if (isUserCodeError(e)) {
        outcomes.userErrors++
      } else {
        failures.push(`${what}: ${describeError(e)}`)
      }
    }

    try {
      for (let g = 0; g < GENERATIONS; g++) {
        const live = await makeLive()
        const instances = Object.values(live).flat()
        const fakes = classes.map(([, cls]) => Object.create(cls.prototype) as object)
        const pool: unknown[] = [...JUNK, ...instances, ...instances, ...fakes, 'file', join(dir, 'file')]
        const arg = () => pick(pool)
        const args = () => Array.from({ length: Math.floor(random() * 5) }, arg)

        const targets: Array<[string, (a: unknown[]) => unknown]> = [
          ...functions.map(([name, fn]): [string, (a: unknown[]) => unknown] => [name, (a) => fn(...a)]),
          ...classes.map(([name, cls]): [string, (a: unknown[]) => unknown] => [`new ${name}`, (a) => new cls(...a)]),
        ]
        for (const [name, cls] of classes) {
          for (const key of Object.getOwnPropertyNames(cls)) {
            const d = Object.getOwnPropertyDescriptor(cls, key)!
            if (typeof d.value === 'function' && !['length', 'name', 'prototype'].includes(key)) {
              targets.push([`${name}.${key}`, (a) => (d.value as Fn).apply(random() < 0.8 ? cls : arg(), a)])
            }
          }
          for (const key of Reflect.ownKeys(cls.prototype)) {
            if (key === 'constructor') continue
            const d = Object.getOwnPropertyDescriptor(cls.prototype, key)!
            const member = (d.get ?? d.value) as Fn
            const mine = live[name] ?? []
            targets.push([
              `${name}#${String(key)}`,
              (a) => member.apply(mine.length > 0 && random() < 0.7 ? pick(mine) : arg(), a),
            ])
          }
        }

        const pending: Array<Promise<void>> = []
        for (let i = 0; i < CALLS_PER_GENERATION; i++) {
          const [name, call] = pick(targets)
          const a = args()
          const what = `${name}(${a.map(show).join(', ')}) [FUZZ_SEED=${SEED}, generation ${g}, call ${i}]`
          reached.add(name)
          let result: unknown
          try {
            result = call(a)
          } catch (e) {
            judge(what, e)
            continue
          }
          outcomes.returned++
          own(result)
          if (result instanceof Promise) {
            pending.push(
              result.then(
                (v) => own(v),
                (e: unknown) => judge(`${what} (rejected)`, e),
              ),
            )
          }
        }
        // Closing every handle settles the waits on them (ENOTSOCK, EBADF, ECANCELED). Waits on
        // nothing closable (sleepEx) may stay pending: they are given a moment, not required to settle.
        closeEverything()
        await Promise.race([Promise.all(pending), new Promise((resolve) => realSetTimeout(resolve, 500))])
      }
    } finally {
      spy.mockRestore()
      for (const t of timers) clearTimeout(t)
      closeEverything()
    }

    if (process.env.FUZZ_STATS) console.log({ ...outcomes, targets: reached.size })
    expect(failures.slice(0, 20)).toEqual([])
    // Every export and member was called, and the fuzz reached all outcomes, not only the checks.
    const all = functions.length + classes.length + classes.reduce((n, [, c]) => n + Reflect.ownKeys(c.prototype).length - 1, 0)
    expect(reached.size).toBeGreaterThanOrEqual(all)
    expect(outcomes.returned).toBeGreaterThan(100)
    expect(outcomes.typeErrors).toBeGreaterThan(100)
    expect(outcomes.wsmErrors).toBeGreaterThan(20)
    // And the process still works.
    const { client, peer } = await pair(4)
    client.send(new Uint8Array([42]))
    const buf = new Uint8Array(1)
    await eventually(() => peer.recv(buf), 'data')
    expect(buf[0]).toBe(42)
  })
})
