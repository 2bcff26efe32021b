// Fuzz of the native boundary: every Socket, FdSet and SocketHandle method, select, and the
// native functions, called with random junk (and random live objects) a few thousand times. Each
// call must return, or throw a TypeError with the library's code or a WsmError with a code (or the
// error user code threw during validation); no crash, no stray error, no descriptor leak. The seed
// is fixed (FUZZ_SEED overrides it, and is printed), so a failure replays.
import { describe, expect, it } from 'vitest'
import { native, type NativeSocketHandle } from '../lib/binding.js'
import { FdSet, Socket, select } from '../lib/index.js'
import { describeError, expectTypeError, isAcceptableError, thrown } from './helpers/errors.js'
import { expectNoFdLeaks } from './helpers/fds.js'
import { JUNK, isUserCodeError, prng, show } from './helpers/junk.js'
import { closeAll, eventually, pair, tcp, track } from './helpers/sockets.js'
import { within } from './helpers/time.js'

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed)
console.log(`fuzz.test.ts: FUZZ_SEED=${SEED}`)
const GENERATIONS = 16
const CALLS_PER_GENERATION = 250

const SOCKET_METHODS = [
  'bind', 'listen', 'accept', 'connect', 'recv', 'send', 'shutdown', 'close', 'setNoDelay', 'setKeepAlive',
  'getError', 'address', 'remote', 'ref', 'unref',
] as const
const SOCKET_GETTERS = ['localPort', 'remotePort', 'localAddress', 'remoteAddress', 'family', 'closed'] as const
const HANDLE_METHODS = [
  'bind', 'listen', 'accept', 'connect', 'recv', 'send', 'shutdown', 'close', 'localAddress', 'remoteAddress',
  'setNoDelay', 'setKeepAlive', 'getError',
] as const
const FDSET_METHODS = ['add', 'delete', 'has', 'clear'] as const

/** The live objects of one generation, all on loopback (sockets are bound before the fuzz sees them). */
interface Live {
  sockets: Socket[]
  handles: NativeSocketHandle[]
  sets: FdSet[]
}

async function makeLive(): Promise<Live> {
  const v4 = tcp(4)
  v4.bind(0, '127.0.0.1')
  const v6 = tcp(6)
  v6.bind(0, '::1')
  const { server, client, peer } = await pair(4)
  client.send(new Uint8Array([1, 2, 3]))
  const closed = tcp(4)
  closed.close()
  const h4 = new native.SocketHandle(4)
  h4.bind(0, '127.0.0.1')
  const hListen = new native.SocketHandle(6)
  hListen.bind(0, '::1')
  hListen.listen()
  const sockets = [v4, v6, server, client, peer, closed]
  await eventually(() => peer.recv(new Uint8Array(1)), 'data at the peer')
  return {
    sockets,
    handles: [h4, hListen],
    sets: [new FdSet(), new FdSet([client, peer]), new FdSet([server, v4], 2), new FdSet([v6])],
  }
}

function closeLive(live: Live): void {
  for (const s of live.sockets) s.close()
  for (const h of live.handles) h.close()
}

describe('fuzz of the native boundary', () => {
  expectNoFdLeaks(closeAll)

  it(`${GENERATIONS * CALLS_PER_GENERATION} calls with junk never crash nor throw anything but TypeError/WsmError`, async () => {
    const random = prng(SEED)
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!
    const failures: string[] = []
    let calls = 0
    let returned = 0
    let typeErrors = 0
    let wsmErrors = 0

    for (let g = 0; g < GENERATIONS; g++) {
      const live = await makeLive()
      const pool: unknown[] = [...JUNK, ...live.sockets, ...live.handles, ...live.sets, live.handles, [live.handles[0]],
        new Uint8Array([1]), new Uint8Array([3, 3]), Object.create(native.SocketHandle.prototype)]
      const arg = () => (random() < 0.75 ? pick(pool) : pick([...live.sockets, ...live.sets, ...live.handles, 0, '127.0.0.1']))
      const args = () => Array.from({ length: Math.floor(random() * 4) }, arg)
      const pending: Array<Promise<void>> = []

      const targets: Array<[string, (a: unknown[]) => unknown]> = [
        ['Socket.tcp', (a) => Socket.tcp(...(a as [])) ],
        ...SOCKET_METHODS.map((m): [string, (a: unknown[]) => unknown] => [
          `Socket#${m}`,
          (a) => {
            const self = random() < 0.9 ? pick(live.sockets) : arg()
            return (Socket.prototype[m] as (...x: unknown[]) => unknown).apply(self, a)
          },
        ]),
        ...SOCKET_GETTERS.map((p): [string, (a: unknown[]) => unknown] => [
          `Socket#${p}`,
          () => {
            const self = random() < 0.9 ? pick(live.sockets) : arg()
            return Object.getOwnPropertyDescriptor(Socket.prototype, p)!.get!.call(self)
          },
        ]),
        ['new FdSet', (a) => new FdSet(...(a as []))],
        ...FDSET_METHODS.map((m): [string, (a: unknown[]) => unknown] => [
          `FdSet#${m}`,
          (a) => {
            const self = random() < 0.9 ? pick(live.sets) : arg()
            return (FdSet.prototype[m] as (...x: unknown[]) => unknown).apply(self, a)
          },
        ]),
        ['FdSet#size', () => Object.getOwnPropertyDescriptor(FdSet.prototype, 'size')!.get!.call(random() < 0.9 ? pick(live.sets) : arg())],
        ['FdSet#iterator', () => Array.from({ [Symbol.iterator]: () => FdSet.prototype[Symbol.iterator].call(random() < 0.9 ? pick(live.sets) : arg()) })],
        ['select', (a) => select(a[0] as never, a[1] as never)],
        ['new SocketHandle', (a) => new native.SocketHandle(...(a as [number]))],
        ...HANDLE_METHODS.map((m): [string, (a: unknown[]) => unknown] => [
          `SocketHandle#${m}`,
          (a) => (live.handles[0]![m] as (...x: unknown[]) => unknown).apply(pick(live.handles), a),
        ]),
        ['SocketHandle#state', () => pick(live.handles).state],
        ['SocketHandle#family', () => pick(live.handles).family],
        ['selectPoll', (a) => native.selectPoll(...(a as [never, never]))],
        ['new SelectWaiter', (a) => new native.SelectWaiter(...(a as [never, never, never, never]))],
      ]

      for (let i = 0; i < CALLS_PER_GENERATION; i++) {
        const [name, call] = pick(targets)
        const a = args()
        const what = `${name}(${a.map(show).join(', ')}) [seed ${SEED}, generation ${g}, call ${i}]`
        calls++
        let result: unknown
        try {
          result = call(a)
          returned++
        } catch (e) {
          if (isAcceptableError(e)) {
            if (e instanceof TypeError) typeErrors++
            else wsmErrors++
          } else if (!isUserCodeError(e)) failures.push(`${what} threw ${describeError(e)}`)
          continue
        }
        // Whatever the fuzz made, it closes at once (and never lets a SelectWaiter fire).
        if (result instanceof Socket) result.close()
        else if (result instanceof native.SocketHandle) result.close()
        else if (result instanceof native.SelectWaiter) result.close()
        else if (result instanceof Promise) {
          pending.push(
            result.then(
              (n: unknown) => {
                if (!(Number.isInteger(n) && (n as number) >= 0)) failures.push(`${what} resolved ${show(n)}`)
              },
              (e: unknown) => {
                if (!isAcceptableError(e) && !isUserCodeError(e)) failures.push(`${what} rejected ${describeError(e)}`)
              },
            ),
          )
        }
      }
      // Closing the sockets settles the selects still waiting on them (ENOTSOCK).
      closeLive(live)
      await within(Promise.all(pending), `the selects of generation ${g}`)
    }

    if (process.env.FUZZ_STATS) console.log({ calls, returned, typeErrors, wsmErrors })
    expect(failures.slice(0, 20)).toEqual([])
    expect(calls).toBe(GENERATIONS * CALLS_PER_GENERATION)
    // The fuzz reached all three outcomes, not only the argument checks.
    expect(returned).toBeGreaterThan(calls / 20)
    expect(typeErrors).toBeGreaterThan(calls / 20)
    expect(wsmErrors).toBeGreaterThan(calls / 50)
    // And the process still works.
    const { client, peer } = await pair(4)
    track(client).send(new Uint8Array([42]))
    const buf = new Uint8Array(1)
    await eventually(() => peer.recv(buf), 'data')
    expect(buf[0]).toBe(42)
  })

  // The native classes are private (lib/ holds them in #fields and passes only its own), so a
  // foreign receiver meets V8's signature check ("Illegal invocation"), which has no code; the
  // public classes' ERR_INVALID_THIS is checked in test/receivers.test.ts.
  it('SocketHandle: a fake handle (its prototype, no native object) is a TypeError as argument and as receiver', () => {
    const fake = Object.create(native.SocketHandle.prototype) as NativeSocketHandle
    expect(fake).toBeInstanceOf(native.SocketHandle)
    expectTypeError(() => native.selectPoll([fake], new Uint8Array([1])))
    expectTypeError(() => new native.SelectWaiter([fake], new Uint8Array([1]), () => {}, true))
    expectTypeError(() => fake.state)
    expectTypeError(() => fake.family)
    for (const m of HANDLE_METHODS) expect(thrown(() => (fake[m] as () => unknown)()), m).toMatchObject({ name: 'TypeError', message: 'Illegal invocation' })
    // Through the public API: options whose family is read from such an object.
    expectTypeError(() => Socket.tcp(fake as never))
  })

  it('setErrorFactory refuses anything but a function (and the factory in place keeps working)', () => {
    for (const junk of JUNK.filter((v) => typeof v !== 'function')) {
      expectTypeError(() => native.setErrorFactory(junk as never))
    }
    const s = tcp(4)
    s.close()
    expect(() => s.recv(new Uint8Array(1))).toThrow(expect.objectContaining({ name: 'WsmError', code: 'EBADF' }))
  })
})
