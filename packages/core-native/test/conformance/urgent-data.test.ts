// Urgent (out-of-band) data as Windows answers it, from Wine's dlls/ws2_32/tests/sock.c
// (test_select's OOB part, test_fionread_siocatmark), in our words: send/recv with MSG_OOB,
// SO_OOBINLINE, ioctlsocket(SIOCATMARK) and FIONREAD, select's except set. Linux TCP has one urgent
// pointer, where Windows queues urgent bytes beside the stream: the last two tests pin where that
// shows.
import { describe, expect, it } from 'vitest'
import { FIONREAD, FdSet, MSG_OOB, MSG_PEEK, SIOCATMARK, SOL_SOCKET, SO_OOBINLINE, type Socket, select } from '../../lib/index.js'
import { expectTypeError } from '../helpers/errors.js'
import { LOOPBACK, bytes, eventually, pair, tcp, text, useSocketCleanup } from '../helpers/sockets.js'
import { within } from '../helpers/time.js'
import { WSAEINVAL, WSAEWOULDBLOCK, expectWinsockError } from './winsock-errors.js'

useSocketCleanup()

/** [FIONREAD, SIOCATMARK] of `s`, as check_fionread_siocatmark reads them. */
function fionreadAtMark(s: Socket): [number, boolean] {
  return [s.ioctlSocket(FIONREAD), s.ioctlSocket(SIOCATMARK)]
}

/** select over the read and except sets with `s` in both; the sets it came back in. */
async function readOrExcept(s: Socket): Promise<string[]> {
  const sets = { read: new FdSet([s]), except: new FdSet([s]) }
  await within(select(sets, 1250), 'select')
  return Object.entries(sets).flatMap(([name, set]) => (set.has(s) ? [name] : []))
}

function recvText(s: Socket, flags?: number): string {
  const buf = new Uint8Array(64)
  return text(buf, s.recv(buf, flags))
}

describe('test_select: urgent data', () => {
  it('one urgent byte puts the socket in the except set alone; recv(MSG_OOB) reads it', async () => {
    const { client, peer } = await pair()
    expect(client.send(bytes('A'), MSG_OOB)).toBe(1)
    expect(await readOrExcept(peer)).toEqual(['except'])
    expect(recvText(peer, MSG_OOB)).toBe('A')
    expectWinsockError(() => peer.recv(new Uint8Array(8)), 'EWOULDBLOCK', WSAEWOULDBLOCK, 'recv')
  })

  it('with SO_OOBINLINE the urgent byte is read in the stream: read set, not except; recv(MSG_OOB) is WSAEINVAL', async () => {
    const { client, peer } = await pair()
    peer.setSockOpt(SOL_SOCKET, SO_OOBINLINE, true)
    expect(peer.getSockOpt(SOL_SOCKET, SO_OOBINLINE)).toBe(true)
    client.send(bytes('B'), MSG_OOB)
    expect(await readOrExcept(peer)).toEqual(['read'])
    expectWinsockError(() => peer.recv(new Uint8Array(8), MSG_OOB), 'EINVAL', WSAEINVAL, 'recv')
    expect(recvText(peer)).toBe('B')
    expectWinsockError(() => peer.recv(new Uint8Array(8)), 'EWOULDBLOCK', WSAEWOULDBLOCK, 'recv')
  })

  it('an accepted socket keeps the SO_OOBINLINE of its listener (test_accept_inheritance)', async () => {
    const server = tcp()
    server.setSockOpt(SOL_SOCKET, SO_OOBINLINE, true)
    server.bind(0, LOOPBACK[4])
    server.listen()
    const client = tcp()
    client.connect(server.localPort, LOOPBACK[4])
    const accepted = await eventually(() => server.accept(), 'the connection')
    expect(accepted.getSockOpt(SOL_SOCKET, SO_OOBINLINE)).toBe(true)
    accepted.close()
  })
})

describe('test_fionread_siocatmark', () => {
  it('SIOCATMARK is TRUE on a new, a bound and an idle connected socket', async () => {
    const s = tcp()
    expect(fionreadAtMark(s)).toEqual([0, true])
    s.bind(0, LOOPBACK[4])
    expect(fionreadAtMark(s)).toEqual([0, true])
    const { peer } = await pair()
    expect(fionreadAtMark(peer)).toEqual([0, true])
  })

  it('an urgent byte waiting after normal bytes: FIONREAD counts the normal bytes, SIOCATMARK is FALSE until it is read', async () => {
    const { client, peer } = await pair()
    client.send(bytes('data\0'))
    await eventually(() => peer.ioctlSocket(FIONREAD) === 5, 'five bytes queued')
    expect(fionreadAtMark(peer)).toEqual([5, true])
    client.send(bytes('a'), MSG_OOB)
    expect(await readOrExcept(peer)).toEqual(['read', 'except'])
    expect(fionreadAtMark(peer)).toEqual([5, false])
    const three = new Uint8Array(3)
    expect(peer.recv(three)).toBe(3)
    expect(fionreadAtMark(peer)).toEqual([2, false])
    expect(recvText(peer, MSG_OOB)).toBe('a')
    expect(fionreadAtMark(peer)).toEqual([2, true])
    expect(peer.recv(new Uint8Array(5))).toBe(2)
    expect(fionreadAtMark(peer)).toEqual([0, true])
  })

  it('with SO_OOBINLINE: the urgent byte counts in FIONREAD, and SIOCATMARK is TRUE while it is the next byte', async () => {
    const { client, peer } = await pair()
    peer.setSockOpt(SOL_SOCKET, SO_OOBINLINE, true)
    client.send(bytes('a'), MSG_OOB)
    await eventually(() => peer.ioctlSocket(FIONREAD) === 1, 'the urgent byte')
    expect(fionreadAtMark(peer)).toEqual([1, true])
    expect(recvText(peer)).toBe('a')
    expect(fionreadAtMark(peer)).toEqual([0, true])
  })
})

describe('recv with MSG_PEEK', () => {
  it('returns the bytes and leaves them queued', async () => {
    const { client, peer } = await pair()
    client.send(bytes('xyz'))
    await eventually(() => peer.ioctlSocket(FIONREAD) === 3, 'three bytes queued')
    expect(recvText(peer, MSG_PEEK)).toBe('xyz')
    expect(peer.ioctlSocket(FIONREAD)).toBe(3)
    expect(recvText(peer)).toBe('xyz')
  })
})

describe('recv and send flags: bad input', () => {
  it('a flag that is not a number is a TypeError; an unknown flag EINVAL; nothing is sent or taken', async () => {
    const { client, peer } = await pair()
    const buf = new Uint8Array(4)
    expectTypeError(() => peer.recv(buf, '1' as unknown as number), 'ERR_INVALID_ARG_TYPE')
    expectTypeError(() => client.send(bytes('x'), null as unknown as number), 'ERR_INVALID_ARG_TYPE')
    for (const flags of [4, 8, -1, 1.5, 2 ** 32 + 1, NaN]) {
      expectWinsockError(() => peer.recv(buf, flags), 'EINVAL', WSAEINVAL, 'recv')
    }
    for (const flags of [MSG_PEEK, MSG_OOB | MSG_PEEK, 4]) {
      expectWinsockError(() => client.send(bytes('x'), flags), 'EINVAL', WSAEINVAL, 'send')
    }
    client.send(bytes('ok'), 0)
    await eventually(() => peer.ioctlSocket(FIONREAD) === 2, 'only the good send')
    expect(recvText(peer, 0)).toBe('ok')
  })
})

describe('where Linux TCP differs: one urgent pointer, in the stream', () => {
  it('FIONREAD with normal bytes after the urgent byte counts only those before it (what the next recv returns); Windows counts them all', async () => {
    const { client, peer } = await pair()
    client.send(bytes('data'))
    client.send(bytes('a'), MSG_OOB)
    client.send(bytes('more'))
    await eventually(() => peer.ioctlSocket(SIOCATMARK) === false, 'the urgent byte')
    await eventually(() => peer.ioctlSocket(FIONREAD) === 4, 'the bytes before the mark')
    expect(recvText(peer)).toBe('data')
    expect(recvText(peer, MSG_OOB)).toBe('a')
    // The urgent byte read, its place is still ahead: FIONREAD says 0 although a recv returns 'more'.
    expect(fionreadAtMark(peer)).toEqual([0, true])
    expect(recvText(peer)).toBe('more')
  })


  it('two urgent bytes before either is read: the first is delivered in the stream, only the last out of band (Windows keeps both out of band)', async () => {
    const { client, peer } = await pair()
    client.send(bytes('data'))
    client.send(bytes('a'), MSG_OOB)
    client.send(bytes('b'), MSG_OOB)
    await eventually(() => peer.ioctlSocket(FIONREAD) === 5, 'the bytes')
    expect(recvText(peer)).toBe('dataa')
    expect(recvText(peer, MSG_OOB)).toBe('b')
    expectWinsockError(() => peer.recv(new Uint8Array(8), MSG_OOB), 'EINVAL', WSAEINVAL, 'recv')
  })

  it('an urgent byte read with MSG_OOB, then SO_OOBINLINE set: the byte comes again in the stream (Windows: not again)', async () => {
    const { client, peer } = await pair()
    client.send(bytes('A'), MSG_OOB)
    expect(await readOrExcept(peer)).toEqual(['except'])
    expect(recvText(peer, MSG_OOB)).toBe('A')
    peer.setSockOpt(SOL_SOCKET, SO_OOBINLINE, true)
    client.send(bytes('B'), MSG_OOB)
    await eventually(() => peer.ioctlSocket(FIONREAD) === 2, 'both bytes in the stream')
    expect(recvText(peer)).toBe('A')
    expect(recvText(peer)).toBe('B')
  })
})
