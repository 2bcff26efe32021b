// select(): Winsock's readiness rules over real loopback sockets, IPv4 and IPv6.
import { describe, expect, it } from 'vitest'
import { FdSet, Socket, WsmError, select } from '../lib/index.js'
import { expectNoFdLeaks } from './helpers/fds.js'
import {
  FAMILIES,
  LOOPBACK,
  bytes,
  closeAll,
  closedPort,
  eventually,
  listener,
  pair,
  tcp,
  track,
  useSocketCleanup,
} from './helpers/sockets.js'
import { delay, isSettled, within } from './helpers/time.js'

expectNoFdLeaks(closeAll)
useSocketCleanup()

/** select() that fails the test instead of hanging it. */
function bounded(sets: Parameters<typeof select>[0], timeoutMs?: number): Promise<number> {
  return within(select(sets, timeoutMs), 'select')
}

/** Waits (with select) until `s` is readable. */
async function waitReadable(s: Socket): Promise<void> {
  expect(await bounded({ read: new FdSet([s]) })).toBe(1)
}

describe.each(FAMILIES)('select over IPv%i', (family) => {
  const host = LOOPBACK[family]

  it('rewrites the sets to the ready sockets, the very objects put in, and counts across sets', async () => {
    const { client, peer } = await pair(family)
    client.send(bytes('x'))
    await waitReadable(peer)
    const read = new FdSet([client, peer])
    const write = new FdSet([client, peer])
    const except = new FdSet([client, peer])
    // peer: readable and writable (2); client: writable only (1); nobody exceptional.
    expect(await select({ read, write, except }, 0)).toBe(3)
    expect([...read]).toHaveLength(1)
    expect([...read][0]).toBe(peer)
    expect([...write]).toHaveLength(2)
    expect([...write][0]).toBe(client)
    expect([...write][1]).toBe(peer)
    expect(except.size).toBe(0)
  })

  it('counts a socket ready in both read and write twice', async () => {
    const { client, peer } = await pair(family)
    client.send(bytes('x'))
    await waitReadable(peer)
    const read = new FdSet([peer])
    const write = new FdSet([peer])
    expect(await select({ read, write }, 0)).toBe(2)
    expect(read.has(peer)).toBe(true)
    expect(write.has(peer)).toBe(true)
  })

  it('keeps the ready sockets in their order and drops the others', async () => {
    const pairs = [await pair(family), await pair(family), await pair(family), await pair(family)]
    pairs[0]!.client.send(bytes('a'))
    pairs[2]!.client.send(bytes('c'))
    pairs[3]!.client.send(bytes('d'))
    for (const i of [0, 2, 3]) await waitReadable(pairs[i]!.peer)
    const read = new FdSet(pairs.map((p) => p.peer))
    expect(await select({ read }, 0)).toBe(3)
    expect([...read]).toEqual([pairs[0]!.peer, pairs[2]!.peer, pairs[3]!.peer])
    expect([...read][1]).toBe(pairs[2]!.peer)
  })

  it('timeout 0 polls: resolves 0 with the sets emptied when nothing is ready', async () => {
    const { client, peer } = await pair(family)
    const read = new FdSet([client, peer])
    const except = new FdSet([client, peer])
    expect(await select({ read, except }, 0)).toBe(0)
    expect(read.size).toBe(0)
    expect(except.size).toBe(0)
  })

  it('a finite timeout with nothing ready resolves 0 with the sets emptied', async () => {
    const { peer } = await pair(family)
    const read = new FdSet([peer])
    expect(await bounded({ read }, 50)).toBe(0)
    expect(read.size).toBe(0)
  })

  it('without a timeout it waits until a socket is ready', async () => {
    const { client, peer } = await pair(family)
    const read = new FdSet([peer])
    const p = bounded({ read })
    // Nothing can make it ready before the data is sent: it must still be waiting.
    expect(await isSettled(p)).toBe(false)
    setTimeout(() => client.send(bytes('later')), 30)
    expect(await p).toBe(1)
    expect([...read]).toEqual([peer])
    expect([...read][0]).toBe(peer)
  })

  it('wakes up for the one socket, among several, that becomes ready', async () => {
    const pairs = [await pair(family), await pair(family), await pair(family)]
    const read = new FdSet(pairs.map((p) => p.peer))
    const p = bounded({ read })
    expect(await isSettled(p)).toBe(false)
    setTimeout(() => pairs[1]!.client.send(bytes('b')), 10)
    expect(await p).toBe(1)
    expect([...read][0]).toBe(pairs[1]!.peer)
    expect(read.size).toBe(1)
  })

  it('a socket never connected is neither readable, writable nor exceptional', async () => {
    const created = tcp(family)
    const bound = tcp(family)
    bound.bind(0, host)
    const read = new FdSet([created, bound])
    const write = new FdSet([created, bound])
    const except = new FdSet([created, bound])
    expect(await select({ read, write, except }, 0)).toBe(0)
    expect(read.size + write.size + except.size).toBe(0)
    // The same when it has to wait for the time-out.
    const write2 = new FdSet([created, bound])
    expect(await bounded({ write: write2 }, 20)).toBe(0)
    expect(write2.size).toBe(0)
  })

  it('a non-blocking connect that succeeds shows in the write set, not in except', async () => {
    const server = listener(family)
    const client = tcp(family)
    client.connect(server.localPort, host)
    const write = new FdSet([client])
    const except = new FdSet([client])
    expect(await bounded({ write, except })).toBe(1)
    expect([...write][0]).toBe(client)
    expect(except.size).toBe(0)
    expect(client.getError()).toBeNull()
  })

  it('a non-blocking connect that fails shows in the except set, not in write or read', async () => {
    const client = tcp(family)
    client.connect(closedPort(family), host)
    const read = new FdSet([client])
    const write = new FdSet([client])
    const except = new FdSet([client])
    expect(await bounded({ read, write, except })).toBe(1)
    expect([...except][0]).toBe(client)
    expect(write.size).toBe(0)
    expect(read.size).toBe(0)
    expect(client.getError()).toMatchObject({ code: 'ECONNREFUSED' })
  })

  it('a failed connect waited on in the write set only is never reported: the select times out', async () => {
    const client = tcp(family)
    client.connect(closedPort(family), host)
    const write = new FdSet([client])
    expect(await bounded({ write }, 100)).toBe(0)
    expect(write.size).toBe(0)
    // It was a failure, and it shows where Winsock shows it.
    expect(await select({ except: new FdSet([client]) }, 0)).toBe(1)
  })

  it('a listener is readable when a connection is pending, and not after it is accepted', async () => {
    const server = listener(family)
    expect(await select({ read: new FdSet([server]) }, 0)).toBe(0)
    // A listener is never writable.
    expect(await select({ write: new FdSet([server]), except: new FdSet([server]) }, 0)).toBe(0)
    const client = tcp(family)
    client.connect(server.localPort, host)
    const read = new FdSet([server])
    expect(await bounded({ read })).toBe(1)
    expect([...read][0]).toBe(server)
    expect(track(server.accept())).toBeInstanceOf(Socket)
    expect(await select({ read: new FdSet([server]) }, 0)).toBe(0)
  })

  it('a socket whose peer closed is readable, and recv then returns 0', async () => {
    const { client, peer } = await pair(family)
    const read = new FdSet([client])
    const p = bounded({ read })
    peer.close()
    expect(await p).toBe(1)
    expect([...read][0]).toBe(client)
    expect(client.recv(new Uint8Array(8))).toBe(0)
  })

  it("a socket whose peer did shutdown('send') is readable, and recv returns 0", async () => {
    const { client, peer } = await pair(family)
    peer.shutdown('send')
    expect(await bounded({ read: new FdSet([client]) })).toBe(1)
    expect(client.recv(new Uint8Array(8))).toBe(0)
    // Not the other way round: the peer has nothing to read.
    expect(await select({ read: new FdSet([peer]) }, 0)).toBe(0)
  })

  it('a reset connection is readable (not a failed connect), and recv then throws ECONNRESET', async () => {
    // Nothing looks at the client between connect() and the reset: the core must still tell a
    // connection that was reset from a connect that failed.
    const { client, peer } = await pair(family)
    client.send(bytes('unread'))
    await waitReadable(peer)
    peer.close() // with unread data: RST
    const read = new FdSet([client])
    const except = new FdSet([client])
    expect(await bounded({ read, except })).toBe(1)
    expect([...read][0]).toBe(client)
    expect(except.size).toBe(0)
    expect(() => client.recv(new Uint8Array(8))).toThrow(expect.objectContaining({ code: 'ECONNRESET' }))
  })

  it('a reset connection reports ECONNRESET to getError() or the next send, and to every recv and send after', async () => {
    for (const reader of ['getError', 'send'] as const) {
      const { client, peer } = await pair(family)
      client.send(bytes('unread'))
      await waitReadable(peer)
      peer.close()
      expect(await bounded({ read: new FdSet([client]) })).toBe(1)
      if (reader === 'getError') expect(client.getError()).toMatchObject({ code: 'ECONNRESET' })
      else expect(() => client.send(bytes('x'))).toThrow(expect.objectContaining({ code: 'ECONNRESET' }))
      // SO_ERROR is read once; the reset stays for the rest of the socket's life, as in Winsock
      // (src/net/reset_record.h).
      expect(client.getError()).toBeNull()
      expect(() => client.recv(new Uint8Array(8))).toThrow(expect.objectContaining({ code: 'ECONNRESET' }))
      expect(() => client.send(bytes('x'))).toThrow(expect.objectContaining({ code: 'ECONNRESET' }))
    }
  })

  it('a socket with full send buffers is not writable until the peer reads', async () => {
    const { client, peer } = await pair(family)
    const chunk = new Uint8Array(256 * 1024)
    // Fill until send refuses and select agrees there is no room (ACKs still in flight may free
    // some after the first EWOULDBLOCK: then fill again).
    let notWritable = false
    for (let i = 0; i < 4096 && !notWritable; i++) {
      try {
        client.send(chunk)
      } catch (e) {
        if (!(e instanceof WsmError && e.code === 'EWOULDBLOCK')) throw e
        notWritable = (await select({ write: new FdSet([client]) }, 0)) === 0
      }
    }
    expect(notWritable).toBe(true)

    const write = new FdSet([client])
    const p = bounded({ write })
    const sink = new Uint8Array(1 << 20)
    while (!(await isSettled(p))) {
      try {
        peer.recv(sink)
      } catch (e) {
        if (!(e instanceof WsmError && e.code === 'EWOULDBLOCK')) throw e
        await delay(1)
      }
    }
    expect(await p).toBe(1)
    expect([...write][0]).toBe(client)
  })

  it('a select pending while one of its sockets is closed ends: in the read set it is reported there, in the others ENOTSOCK', async () => {
    const { client, peer } = await pair(family)
    const read = new FdSet([client, peer])
    const p = select({ read })
    expect(await isSettled(p)).toBe(false)
    peer.close()
    expect(await within(p, 'select')).toBe(1)
    expect([...read]).toEqual([peer])
    const except = new FdSet([client])
    const pending = select({ except })
    expect(await isSettled(pending)).toBe(false)
    client.close()
    const e = await within(pending.then(() => null, (err: unknown) => err), 'select')
    expect(e).toBeInstanceOf(WsmError)
    expect(e).toMatchObject({ code: 'ENOTSOCK', wsaCode: 10038, syscall: 'select' })
  })

  it('a select on a socket already closed rejects with ENOTSOCK', async () => {
    const s = tcp(family)
    s.close()
    await expect(select({ read: new FdSet([s]) }, 0)).rejects.toThrow(expect.objectContaining({ code: 'ENOTSOCK' }))
    await expect(select({ write: new FdSet([s]) })).rejects.toBeInstanceOf(WsmError)
  })

  it('connect() called while a select waits on the socket in the write set: resolves when it completes', async () => {
    const server = listener(family)
    const client = tcp(family)
    const write = new FdSet([client])
    const except = new FdSet([client])
    const p = bounded({ write, except })
    expect(await isSettled(p)).toBe(false)
    client.connect(server.localPort, host)
    expect(await p).toBe(1)
    expect([...write][0]).toBe(client)
    expect(except.size).toBe(0)
  })

  it('connect() to a closed port while a select waits in the except set: resolves with the failure', async () => {
    const client = tcp(family)
    const write = new FdSet([client])
    const except = new FdSet([client])
    const p = bounded({ write, except })
    expect(await isSettled(p)).toBe(false)
    client.connect(closedPort(family), host)
    expect(await p).toBe(1)
    expect([...except][0]).toBe(client)
    expect(write.size).toBe(0)
  })

  it('bind() and listen() while a select waits on the socket in the read set: readable on a connection', async () => {
    const s = tcp(family)
    const read = new FdSet([s])
    const p = bounded({ read })
    s.bind(0, host)
    s.listen()
    expect(await isSettled(p)).toBe(false)
    tcp(family).connect(s.localPort, host)
    expect(await p).toBe(1)
    expect([...read][0]).toBe(s)
  })

  it('several concurrent selects on the same socket all resolve', async () => {
    const { client, peer } = await pair(family)
    const reads = Array.from({ length: 5 }, () => new FdSet([peer]))
    const waits = reads.map((read) => bounded({ read }))
    const withWrite = bounded({ read: new FdSet([peer]), except: new FdSet([peer, client]) })
    expect(await isSettled(Promise.race(waits))).toBe(false)
    client.send(bytes('for everyone'))
    expect(await Promise.all(waits)).toEqual([1, 1, 1, 1, 1])
    for (const read of reads) expect([...read][0]).toBe(peer)
    expect(await withWrite).toBe(1)
    // Nobody consumed the data: it is still there.
    expect(peer.recv(new Uint8Array(64))).toBe(12)
  })

  it('a select resolved earlier leaves no watcher behind: a later close does not disturb anything', async () => {
    const { client, peer } = await pair(family)
    client.send(bytes('x'))
    expect(await bounded({ read: new FdSet([peer]) })).toBe(1)
    expect(await bounded({ read: new FdSet([client]) }, 20)).toBe(0)
    peer.close()
    client.close()
    // And the same sockets may not be selected on any more.
    await expect(select({ read: new FdSet([peer]) }, 0)).rejects.toMatchObject({ code: 'ENOTSOCK' })
  })
})

describe('select across families', () => {
  it('takes IPv4 and IPv6 sockets in the same sets', async () => {
    const v4 = await pair(4)
    const v6 = await pair(6)
    v6.client.send(bytes('6'))
    const read = new FdSet([v4.peer, v6.peer])
    expect(await bounded({ read })).toBe(1)
    expect([...read][0]).toBe(v6.peer)
    await eventually(() => v6.peer.recv(new Uint8Array(1)), 'data')
  })
})
