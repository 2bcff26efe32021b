// Bad input at every entry point of Socket, FdSet and select: a TypeError for a value of the wrong
// type, a WsmError with a code for a value the call cannot take; never a crash, never a call that
// reaches the kernel with it (the socket stays usable afterwards).
import { describe, expect, it } from 'vitest'
import { FdSet, Socket, WsmError, select } from '../lib/index.js'
import { expectRejectsType, expectTypeError, expectWsmError, isAcceptableError, thrown } from './helpers/errors.js'
import { expectNoFdLeaks } from './helpers/fds.js'
import { FAMILIES, LOOPBACK, closeAll, eventually, listener, pair, tcp, track, useSocketCleanup } from './helpers/sockets.js'

expectNoFdLeaks(closeAll)
useSocketCleanup()

type Case = [label: string, value: unknown]

const WRONG_TYPES: Case[] = [
  ['null', null],
  ['an object', {}],
  ['an array', [1]],
  ['a boolean', true],
  ['a bigint', 1n],
  ['a symbol', Symbol('junk')],
  ['a function', () => 1],
]
const NOT_NUMBERS: Case[] = [...WRONG_TYPES, ['a numeric string', '80'], ['a boxed number', new Number(80)]]
const NOT_NUMBERS_NOR_UNDEFINED: Case[] = [...NOT_NUMBERS, ['undefined', undefined]]
const NOT_STRINGS: Case[] = [...WRONG_TYPES, ['a number', 127], ['a boxed string', new String('127.0.0.1')]]
const NOT_BOOLEANS: Case[] = [...WRONG_TYPES.filter(([l]) => l !== 'a boolean'), ['a number', 1], ['a string', 'true']]
const NOT_BUFFERS: Case[] = [
  ...WRONG_TYPES,
  ['undefined', undefined],
  ['a string', 'abc'],
  ['a number', 8],
  ['an ArrayBuffer', new ArrayBuffer(8)],
  ['an array-like', { length: 8, byteLength: 8, buffer: new ArrayBuffer(8) }],
]
const BAD_PORTS: Case[] = [
  ['negative', -1],
  ['NaN', NaN],
  ['65536', 65536],
  ['fractional', 1.5],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['2**53', 2 ** 53],
]
const BAD_HOSTS: Record<4 | 6, string[]> = {
  4: ['example.com', '::1', '256.0.0.1', '127.0.0.1\0junk', ' 127.0.0.1', '127.0.0.1:80', '127.1.2'.repeat(2)],
  6: ['example.com', '127.0.0.1', '[::1]', ':::1', '::1\0junk', '::1 ', 'localhost6'],
}

/** A Uint8Array (or a DataView) whose buffer has been transferred away. */
function detached(kind: 'Uint8Array' | 'DataView'): Uint8Array | DataView {
  const u = new Uint8Array(16)
  const view = kind === 'Uint8Array' ? u : new DataView(u.buffer)
  structuredClone(u.buffer, { transfer: [u.buffer] })
  expect(u.buffer.byteLength).toBe(0)
  return view
}

describe('Socket.tcp', () => {
  it.each<Case>([...WRONG_TYPES.filter(([l]) => l !== 'an object' && l !== 'an array'), ['a string', 'tcp'], ['a number', 4]])(
    'options %s: TypeError',
    (_, options) => {
      expectTypeError(() => Socket.tcp(options as never))
    },
  )

  it.each<Case>(NOT_NUMBERS.filter(([l]) => l !== 'null'))('family %s: TypeError', (_, family) => {
    expectTypeError(() => Socket.tcp({ family } as never))
  })

  it.each<Case>([
    ['5', 5],
    ['0', 0],
    ['-4', -4],
    ['NaN', NaN],
    ['4.5', 4.5],
    ['Infinity', Infinity],
  ])('family %s: EINVAL', (_, family) => {
    expectWsmError(() => Socket.tcp({ family } as never), 'EINVAL')
  })
})

describe.each(FAMILIES)('Socket methods, IPv%i', (family) => {
  const host = LOOPBACK[family]

  it('bind: a port of the wrong type (or none) is a TypeError; the socket can still bind', () => {
    const s = tcp(family)
    for (const [, port] of NOT_NUMBERS_NOR_UNDEFINED) expectTypeError(() => s.bind(port as never, host))
    expectTypeError(() => (s.bind as () => void)())
    s.bind(0, host)
    expect(s.localPort).toBeGreaterThan(0)
  })

  it.each<Case>(BAD_PORTS)('bind: port %s is EINVAL', (_, port) => {
    const s = tcp(family)
    expectWsmError(() => s.bind(port as number, host), 'EINVAL')
    s.bind(0, host)
  })

  it('bind: a host of the wrong type is a TypeError', () => {
    const s = tcp(family)
    for (const [, h] of NOT_STRINGS) expectTypeError(() => s.bind(0, h as never))
    s.bind(0, host)
  })

  it.each(BAD_HOSTS[family])('bind: host %j is not an address of the family: EINVAL', (h) => {
    const s = tcp(family)
    expectWsmError(() => s.bind(0, h), 'EINVAL')
    s.bind(0, host)
    expect(s.localAddress).toBe(host)
  })

  it('bind: an absurdly long host is refused with a TypeError or a WsmError', () => {
    const s = tcp(family)
    expect(isAcceptableError(thrown(() => s.bind(0, '1'.repeat(100_000))))).toBe(true)
  })

  it('listen: a backlog of the wrong type is a TypeError, out of range EINVAL', () => {
    const s = tcp(family)
    s.bind(0, host)
    for (const [, backlog] of NOT_NUMBERS) expectTypeError(() => s.listen(backlog as never))
    for (const backlog of [-1, NaN, 1.5, 65536, Infinity]) expectWsmError(() => s.listen(backlog), 'EINVAL')
    s.listen()
    expect(s.accept()).toBeNull()
  })

  it('connect: wrong types are TypeErrors, bad ports and hosts EINVAL; then a good connect works', async () => {
    const server = listener(family)
    const s = tcp(family)
    for (const [, port] of NOT_NUMBERS_NOR_UNDEFINED) expectTypeError(() => s.connect(port as never, host))
    for (const [, port] of [...BAD_PORTS, ['0', 0] as Case]) expectWsmError(() => s.connect(port as number, host), 'EINVAL')
    for (const [, h] of NOT_STRINGS) expectTypeError(() => s.connect(server.localPort, h as never))
    for (const h of [...BAD_HOSTS[family], '']) expectWsmError(() => s.connect(server.localPort, h), 'EINVAL')
    s.connect(server.localPort, host)
    track(await eventually(() => server.accept(), 'accept'))
    expect(s.remotePort).toBe(server.localPort)
  })

  it('recv and send: anything but a Uint8Array or DataView is a TypeError', async () => {
    const { client } = await pair(family)
    for (const [, buf] of NOT_BUFFERS) {
      expectTypeError(() => client.recv(buf as never))
      expectTypeError(() => client.send(buf as never))
    }
    expectTypeError(() => (client.recv as () => number)())
    expectTypeError(() => (client.send as () => number)())
  })

  it('recv into an empty buffer is no error: it would block with nothing queued (test/conformance/connect-bind-listen.test.ts); an empty send sends 0', async () => {
    const { client } = await pair(family)
    for (const empty of [new Uint8Array(0), new Uint8Array(8).subarray(4, 4), new DataView(new ArrayBuffer(4), 4)]) {
      expectWsmError(() => client.recv(empty as Uint8Array), 'EWOULDBLOCK')
    }
    expect(client.send(new Uint8Array(0))).toBe(0)
  })

  it('recv and send with a detached buffer: TypeError', async () => {
    const { client, peer } = await pair(family)
    peer.send(new Uint8Array([1, 2, 3]))
    for (const kind of ['Uint8Array', 'DataView'] as const) {
      expectTypeError(() => client.recv(detached(kind) as Uint8Array))
      expectTypeError(() => client.send(detached(kind) as Uint8Array))
    }
  })

  it('shutdown: a how of the wrong type is a TypeError, an unknown one EINVAL', async () => {
    const { client } = await pair(family)
    for (const [, how] of [...NOT_STRINGS, ['undefined', undefined] as Case]) expectTypeError(() => client.shutdown(how as never))
    for (const how of ['SEND', 'sideways', '', 'send ', 'sd_send', 'both\0']) {
      expectWsmError(() => client.shutdown(how as never), 'EINVAL')
    }
    client.shutdown('both')
  })

  it('setNoDelay and setKeepAlive: wrong types are TypeErrors, bad delays EINVAL', async () => {
    const { client } = await pair(family)
    for (const [, v] of NOT_BOOLEANS) {
      expectTypeError(() => client.setNoDelay(v as never))
      expectTypeError(() => client.setKeepAlive(v as never))
    }
    for (const [, delay] of NOT_NUMBERS) expectTypeError(() => client.setKeepAlive(true, delay as never))
    for (const delay of [-1, NaN, 1.5, Infinity, -Infinity]) expectWsmError(() => client.setKeepAlive(true, delay), 'EINVAL')
    // Longer than the kernel's TCP_KEEPIDLE limit (32767 s).
    expectWsmError(() => client.setKeepAlive(true, 40_000_000), 'EINVAL')
    client.setNoDelay(true)
    client.setKeepAlive(true, 5000)
  })
})

describe('Socket in the wrong state', () => {
  it('every operation on a closed socket is EBADF (WSAEBADF 10009); close again is fine', async () => {
    const { client, server } = await pair(4)
    const sockets = [tcp(4), client, server]
    for (const s of sockets) {
      s.close()
      s.close()
      expect(s.closed).toBe(true)
      const calls: Array<[string, () => unknown]> = [
        ['bind', () => s.bind(0, '127.0.0.1')],
        ['listen', () => s.listen()],
        ['accept', () => s.accept()],
        ['connect', () => s.connect(server.localPort || 9, '127.0.0.1')],
        ['recv', () => s.recv(new Uint8Array(8))],
        ['send', () => s.send(new Uint8Array(8))],
        ['shutdown', () => s.shutdown('both')],
        ['setNoDelay', () => s.setNoDelay(true)],
        ['setKeepAlive', () => s.setKeepAlive(true, 1000)],
        ['getError', () => s.getError()],
        ['localPort', () => s.localPort],
        ['remotePort', () => s.remotePort],
        ['localAddress', () => s.localAddress],
        ['remoteAddress', () => s.remoteAddress],
        ['address', () => s.address()],
        ['remote', () => s.remote()],
      ]
      for (const [name, call] of calls) {
        const e = expectWsmError(call, 'EBADF')
        expect(e.wsaCode, name).toBe(10009)
      }
      s.close()
    }
  })

  it('calls that make no sense in the state the socket is in fail with a WsmError and a code', () => {
    const fresh = tcp(4)
    expect(expectWsmError(() => fresh.accept(), 'EINVAL').syscall).toBe('accept')
    expectWsmError(() => fresh.recv(new Uint8Array(8)), 'ENOTCONN')
    expect(['ENOTCONN', 'EPIPE']).toContain((thrown(() => fresh.send(new Uint8Array(8))) as WsmError).code)
    expectWsmError(() => fresh.shutdown('send'), 'ENOTCONN')
    expectWsmError(() => fresh.remotePort, 'ENOTCONN')
    fresh.bind(0, '127.0.0.1')
    expectWsmError(() => fresh.bind(0, '127.0.0.1'), 'EINVAL')
    const v6 = tcp(6)
    expectWsmError(() => v6.connect(80, '127.0.0.1'), 'EINVAL')
  })
})

describe('FdSet', () => {
  it.each<Case>([...WRONG_TYPES.filter(([l]) => l !== 'an array'), ['a number', 5]])('sockets %s: TypeError', (_, sockets) => {
    expectTypeError(() => new FdSet(sockets as never))
  })

  it.each<Case>([
    ['[5]', [5]],
    ["['x']", ['x']],
    ['[null]', [null]],
    ['[undefined]', [undefined]],
    ['[{}]', [{}]],
    ['a string (iterable of characters)', 'ab'],
    ['a fake Socket', [Object.create(Socket.prototype)]],
  ])('sockets %s: TypeError', (_, sockets) => {
    expectTypeError(() => new FdSet(sockets as never))
  })

  it.each<Case>(NOT_NUMBERS)('capacity %s: TypeError', (_, capacity) => {
    expectTypeError(() => new FdSet([], capacity as never))
  })

  it.each<Case>([
    ['0', 0],
    ['-1', -1],
    ['1.5', 1.5],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['2**21', 2 ** 21],
  ])('capacity %s: EINVAL', (_, capacity) => {
    expectWsmError(() => new FdSet([], capacity as number), 'EINVAL')
  })

  it('add: anything but a Socket is a TypeError', () => {
    const set = new FdSet()
    for (const [, v] of [...WRONG_TYPES, ['undefined', undefined] as Case, ['a fake Socket', Object.create(Socket.prototype)] as Case]) {
      expectTypeError(() => set.add(v as never))
    }
    expect(set.size).toBe(0)
  })

  it('a 65th socket in a default FdSet is ENOBUFS (WSAENOBUFS 10055); a member added again is not', () => {
    const sockets = Array.from({ length: 65 }, () => tcp(4))
    const set = new FdSet()
    for (const s of sockets.slice(0, 64)) set.add(s)
    const e = expectWsmError(() => set.add(sockets[64]!), 'ENOBUFS')
    expect(e.wsaCode).toBe(10055)
    expect(e.errno).toBe(-105)
    expect(set.size).toBe(64)
    expect(set.has(sockets[64]!)).toBe(false)
    set.add(sockets[0]!)
    expect(set.size).toBe(64)
    expectWsmError(() => new FdSet(sockets), 'ENOBUFS')
  })

  it('an FdSet of capacity 2 refuses a 3rd socket', () => {
    const [a, b, c] = [tcp(4), tcp(4), tcp(4)]
    const set = new FdSet([a, b], 2)
    expectWsmError(() => set.add(c), 'ENOBUFS')
    expectWsmError(() => new FdSet([a, b, c], 2), 'ENOBUFS')
    expect([...set]).toEqual([a, b])
  })
})

describe('select', () => {
  /** select() must not throw: bad input rejects the promise. */
  function call(sets: unknown, timeout?: unknown, options?: unknown): Promise<number> {
    let p: Promise<number> | undefined
    expect(() => {
      p = select(sets as never, timeout as never, options as never)
    }).not.toThrow()
    expect(p).toBeInstanceOf(Promise)
    return p!
  }

  it.each<Case>([...WRONG_TYPES.filter(([l]) => l !== 'an object' && l !== 'an array'), ['undefined', undefined], ['a string', 'read']])(
    'sets %s: rejects with a TypeError',
    async (_, sets) => {
      await expectRejectsType(call(sets, 0))
    },
  )

  it('a set that is not an FdSet: rejects with a TypeError, and leaves the other sets alone', async () => {
    const s = tcp(4)
    for (const [, junk] of [
      ...WRONG_TYPES,
      ['an array of sockets', [s]],
      ['a Set of sockets', new Set([s])],
      ['a fake FdSet', Object.create(FdSet.prototype)],
    ] as Case[]) {
      for (const name of ['read', 'write', 'except']) {
        const read = new FdSet([s])
        const sets = name === 'read' ? { [name]: junk } : { read, [name]: junk }
        await expectRejectsType(call(sets, 0))
        expect([...read]).toEqual([s])
      }
    }
  })

  it.each<Case>([...NOT_NUMBERS, ['an array', []]])('timeout %s: rejects with a TypeError', async (_, timeout) => {
    await expectRejectsType(call({ read: new FdSet([tcp(4)]) }, timeout))
  })

  it.each<Case>([
    ['negative', -1],
    ['NaN', NaN],
    ['-Infinity', -Infinity],
    ['2**31', 2 ** 31],
    ['1e20', 1e20],
  ])('timeout %s: rejects with EINVAL', async (_, timeout) => {
    const read = new FdSet([tcp(4)])
    const e = await call({ read }, timeout).catch((err: unknown) => err)
    expect(e).toBeInstanceOf(WsmError)
    expect(e).toMatchObject({ code: 'EINVAL', wsaCode: 10022 })
    expect(read.size).toBe(1)
  })

  it.each<Case>(WRONG_TYPES.filter(([l]) => l !== 'an object' && l !== 'an array'))('options %s: rejects with a TypeError', async (_, options) => {
    await expectRejectsType(call({ read: new FdSet([tcp(4)]) }, 0, options))
  })

  it.each<Case>(NOT_BOOLEANS.filter(([l]) => l !== 'undefined'))('options.ref %s: rejects with a TypeError', async (_, ref) => {
    await expectRejectsType(call({ read: new FdSet([tcp(4)]) }, 0, { ref }))
  })

  it.each<Case>([
    ['{}', {}],
    ['an empty read set', { read: new FdSet() }],
    ['three empty sets', { read: new FdSet(), write: new FdSet(), except: new FdSet() }],
    ['undefined sets', { read: undefined, write: undefined }],
  ])('all sets empty (%s): rejects with EINVAL', async (_, sets) => {
    await expect(call(sets, 0)).rejects.toMatchObject({ code: 'EINVAL' })
    await expect(call(sets)).rejects.toBeInstanceOf(WsmError)
  })
})
