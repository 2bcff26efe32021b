// WSAAsyncSelect (message mode) and WSAEventSelect (event mode) as Windows records network events,
// from Wine's dlls/ws2_32/tests/sock.c (test_events, which runs test_accept_events,
// test_connect_events, test_write_events, test_read_events and test_close_events in both modes),
// in our words. The two modes differ where Windows differs:
// - selecting again: message mode posts again what is true now; event mode records nothing it
//   already recorded, until a call re-enables it or something new arrives (data, a connection);
// - FD_CONNECT: event mode reports a connect that completed before the selection; message mode
//   only the FD_WRITE of a connected socket.
// Each event is a message (async) or a bit of enumNetworkEvents' record (event): helpers/network-events.ts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  FD_ACCEPT,
  FD_CLOSE,
  FD_CONNECT,
  FD_OOB,
  FD_READ,
  FD_WRITE,
  FIONREAD,
  Overlapped,
  SOL_SOCKET,
  SO_LINGER,
  Socket,
  acceptEx,
  getOverlappedResult,
  recvOverlapped,
} from '../../lib/index.js'
import { Collector, MODES, closeCollectors, drainExactly, fillUntilBlocked } from '../helpers/network-events.js'
import { untilDone } from '../helpers/overlapped.js'
import { LOOPBACK, bytes, eventually, listener, pair, tcp, track, useSocketCleanup } from '../helpers/sockets.js'
import { within } from '../helpers/time.js'
import { WSAECONNABORTED } from './winsock-errors.js'

useSocketCleanup()
afterEach(closeCollectors)

const ALL = FD_ACCEPT | FD_CLOSE | FD_CONNECT | FD_OOB | FD_READ | FD_WRITE

/** A blocking-style recv through WSARecv, as Wine's sync_recv: an overlapped receive awaited. */
async function syncRecv(s: Socket, n: number): Promise<number> {
  const ov = new Overlapped()
  recvOverlapped(s, new Uint8Array(n), ov)
  return (await within(getOverlappedResult(s, ov, true), 'the overlapped receive')).bytes
}

describe.each(MODES)('%s mode', (mode) => {
  let col: Collector
  beforeEach(() => {
    col = new Collector(mode)
  })
  const message = mode === 'async'

  describe('test_accept_events', () => {
    it('a socket selected before bind and listen reports FD_ACCEPT once a connection is queued', async () => {
      const server = tcp()
      col.select(server, FD_CONNECT | FD_READ | FD_OOB | FD_ACCEPT)
      server.bind(0, LOOPBACK[4])
      server.listen(2)
      expect(await col.quiet(server)).toEqual([])
      tcp().connect(server.localPort, LOOPBACK[4])
      await col.next(server, FD_ACCEPT)
      expect(await col.quiet(server)).toEqual(['ACCEPT'])
    })

    it('selecting again: message mode posts FD_ACCEPT again, event mode records nothing; a new connection: the reverse', async () => {
      const server = listener()
      const events = FD_CONNECT | FD_READ | FD_OOB | FD_ACCEPT
      col.select(server, events)
      tcp().connect(server.localPort, LOOPBACK[4])
      await col.next(server, FD_ACCEPT)
      expect(await col.quiet(server)).toEqual(['ACCEPT'])
      col.select(server, events)
      expect(await col.quiet(server)).toEqual(message ? ['ACCEPT'] : [])
      col.cancel(server)
      col.select(server, events)
      expect(await col.quiet(server)).toEqual(message ? ['ACCEPT'] : [])
      // A second connection while FD_ACCEPT waits for its accept(): event mode records it, message
      // mode (which has just posted FD_ACCEPT) does not.
      tcp().connect(server.localPort, LOOPBACK[4])
      if (!message) await col.next(server, FD_ACCEPT, 'FD_ACCEPT for the new connection')
      expect(await col.quiet(server)).toEqual(message ? [] : ['ACCEPT'])
      // accept() re-enables it: one connection remains, FD_ACCEPT again; then none remains.
      expect(track(server.accept())).not.toBeNull()
      await col.next(server, FD_ACCEPT, 'FD_ACCEPT for the connection still queued')
      expect(await col.quiet(server)).toEqual(['ACCEPT'])
      expect(track(server.accept())).not.toBeNull()
      expect(await col.quiet(server)).toEqual([])
    })

    it('event mode keeps an unread record across a re-select, and signals it as soon as the selection includes it', async () => {
      if (message) return
      const server = listener()
      col.select(server, FD_CONNECT | FD_READ | FD_OOB | FD_ACCEPT)
      tcp().connect(server.localPort, LOOPBACK[4])
      const ev = col.eventOf(server)
      await eventually(() => ev.signaled, 'the event')
      col.select(server, FD_CONNECT | FD_READ | FD_OOB)
      expect(ev.signaled).toBe(true) // selecting does not reset the event
      ev.reset()
      col.select(server, FD_CONNECT | FD_READ | FD_OOB)
      expect(ev.signaled).toBe(false) // FD_ACCEPT is recorded but not selected
      col.select(server, FD_CONNECT | FD_READ | FD_OOB | FD_ACCEPT)
      expect(ev.signaled).toBe(true) // at once, in the call
      expect(await col.quiet(server)).toEqual(['ACCEPT'])
    })

    it('selected first without FD_ACCEPT: FD_ACCEPT once it is selected; not if accept() took the connection before', async () => {
      const server = listener()
      col.select(server, FD_CONNECT | FD_READ | FD_OOB)
      tcp().connect(server.localPort, LOOPBACK[4])
      track(await eventually(() => server.accept(), 'accept')) // accept() before selecting FD_ACCEPT
      col.select(server, FD_CONNECT | FD_READ | FD_OOB | FD_ACCEPT)
      expect(await col.quiet(server)).toEqual([])
      col.select(server, FD_CONNECT | FD_READ | FD_OOB)
      tcp().connect(server.localPort, LOOPBACK[4])
      expect(await col.quiet(server)).toEqual([])
      col.select(server, FD_CONNECT | FD_READ | FD_OOB | FD_ACCEPT)
      await col.next(server, FD_ACCEPT)
      expect(await col.quiet(server)).toEqual(['ACCEPT'])
    })

    it('a connection taken by a pending AcceptEx records no FD_ACCEPT; the next connection does', async () => {
      const server = listener()
      col.select(server, FD_CONNECT | FD_READ | FD_OOB | FD_ACCEPT)
      const accepted = track(Socket.tcp())
      const ov = new Overlapped()
      acceptEx(server, accepted, ov)
      tcp().connect(server.localPort, LOOPBACK[4])
      await untilDone(ov, 'AcceptEx')
      expect(await col.quiet(server)).toEqual([])
      tcp().connect(server.localPort, LOOPBACK[4])
      await col.next(server, FD_ACCEPT, 'FD_ACCEPT for the connection after the AcceptEx')
      expect(await col.quiet(server)).toEqual(['ACCEPT'])
    })
  })

  describe('test_connect_events', () => {
    it('connect, then select: event mode reports FD_CONNECT and FD_WRITE, message mode FD_WRITE', async () => {
      const server = listener()
      const client = tcp()
      client.connect(server.localPort, LOOPBACK[4])
      track(await eventually(() => server.accept(), 'accept'))
      await eventually(() => client.send(bytes('data')), 'the connection')
      col.select(client, ALL)
      await col.next(client, FD_WRITE)
      expect(await col.quiet(client)).toEqual(message ? ['WRITE'] : ['CONNECT', 'WRITE'])
    })

    it('selected without FD_CONNECT while connecting, then with it: event mode reports the FD_CONNECT kept, message mode FD_WRITE', async () => {
      const server = listener()
      const client = tcp()
      col.select(client, FD_ACCEPT | FD_CLOSE | FD_OOB | FD_READ | FD_WRITE)
      client.connect(server.localPort, LOOPBACK[4])
      track(await eventually(() => server.accept(), 'accept'))
      await col.next(client, FD_WRITE)
      expect(await col.quiet(client)).toEqual(['WRITE'])
      col.select(client, FD_ACCEPT | FD_CONNECT | FD_OOB | FD_READ | FD_WRITE)
      expect(await col.quiet(client)).toEqual(message ? ['WRITE'] : ['CONNECT'])
    })

    it('an accepted socket reports FD_WRITE, never FD_CONNECT', async () => {
      const { peer } = await pair()
      col.select(peer, FD_ACCEPT | FD_CONNECT | FD_OOB | FD_READ | FD_WRITE)
      await col.next(peer, FD_WRITE)
      expect(await col.quiet(peer)).toEqual(['WRITE'])
    })
  })

  describe('test_write_events', () => {
    it('selecting again: message mode posts FD_WRITE again, event mode records nothing; only a blocked send re-enables it', async () => {
      const { client, peer } = await pair()
      col.select(peer, ALL)
      await col.next(peer, FD_WRITE)
      expect(await col.quiet(peer)).toEqual(['WRITE'])
      col.select(peer, ALL)
      expect(await col.quiet(peer)).toEqual(message ? ['WRITE'] : [])
      col.cancel(peer)
      col.select(peer, ALL)
      expect(await col.quiet(peer)).toEqual(message ? ['WRITE'] : [])
      expect(peer.send(bytes('data'))).toBe(4)
      expect(await col.quiet(peer)).toEqual([])
      expect(await syncRecv(client, 64)).toBe(4)
      expect(await col.quiet(peer)).toEqual([])
    })

    it('a connected socket selected without FD_WRITE: event mode reports its FD_CONNECT; FD_WRITE once selected', async () => {
      const { client } = await pair()
      expect(client.send(bytes('data'))).toBe(4)
      col.select(client, FD_ACCEPT | FD_CONNECT | FD_OOB | FD_READ)
      expect(await col.quiet(client)).toEqual(message ? [] : ['CONNECT'])
      col.select(client, FD_ACCEPT | FD_CONNECT | FD_OOB | FD_READ | FD_WRITE)
      await col.next(client, FD_WRITE)
      expect(await col.quiet(client)).toEqual(['WRITE'])
    })

    it('a send before the record is read does not take FD_WRITE back', async () => {
      const { peer } = await pair()
      col.select(peer, FD_ACCEPT | FD_CONNECT | FD_OOB | FD_READ | FD_WRITE)
      expect(peer.send(bytes('data'))).toBe(4)
      await col.next(peer, FD_WRITE)
      expect(await col.quiet(peer)).toEqual(['WRITE'])
    })

    it('after a send that would block, FD_WRITE once the peer has read', async () => {
      const { client, peer } = await pair()
      col.select(peer, ALL)
      await col.next(peer, FD_WRITE)
      col.take(peer)
      const sent = fillUntilBlocked(peer)
      expect(await col.quiet(peer)).toEqual([])
      await drainExactly(client, sent)
      await col.next(peer, FD_WRITE, 'FD_WRITE once there is room')
      expect(await col.quiet(peer)).toEqual(['WRITE'])
    })
  })

  describe('test_read_events', () => {
    it('selecting again: message mode posts FD_READ again, event mode records nothing; new data: the reverse', async () => {
      const { client, peer } = await pair()
      const events = FD_ACCEPT | FD_CLOSE | FD_CONNECT | FD_OOB | FD_READ
      col.select(peer, events)
      expect(await col.quiet(peer)).toEqual([])
      client.send(bytes('data1'))
      await col.next(peer, FD_READ)
      expect(await col.quiet(peer)).toEqual(['READ'])
      col.select(peer, events)
      expect(await col.quiet(peer)).toEqual(message ? ['READ'] : [])
      col.cancel(peer)
      col.select(peer, events)
      expect(await col.quiet(peer)).toEqual(message ? ['READ'] : [])
      client.send(bytes('data2'))
      if (!message) await col.next(peer, FD_READ, 'FD_READ for the new data')
      expect(await col.quiet(peer)).toEqual(message ? [] : ['READ'])
      // recv re-enables it while data remains.
      expect(peer.recv(new Uint8Array(2))).toBe(2)
      await col.next(peer, FD_READ)
      expect(await col.quiet(peer)).toEqual(['READ'])
    })

    it('each completed overlapped receive (WSARecv) re-enables FD_READ: one FD_READ per receive while data remains', async () => {
      const { client, peer } = await pair()
      col.select(peer, FD_ACCEPT | FD_CLOSE | FD_CONNECT | FD_OOB | FD_READ)
      client.send(bytes('abcdefgh'))
      await col.next(peer, FD_READ)
      expect(await col.quiet(peer)).toEqual(['READ'])
      for (let i = 0; i < 8; i++) {
        expect(await syncRecv(peer, 1)).toBe(1)
        if (i < 7) await col.next(peer, FD_READ, `FD_READ after receive ${i + 1}`)
        expect(await col.quiet(peer)).toEqual(i < 7 ? ['READ'] : [])
      }
    })

    it('data sent while not selected is reported when selected; data read meanwhile is not', async () => {
      const { client, peer } = await pair()
      client.send(bytes('data'))
      await eventually(() => peer.ioctlSocket(FIONREAD) === 4, 'the data')
      col.select(peer, FD_ACCEPT | FD_CLOSE | FD_CONNECT | FD_OOB | FD_READ)
      await col.next(peer, FD_READ)
      expect(await col.quiet(peer)).toEqual(['READ'])
      expect(peer.recv(new Uint8Array(4))).toBe(4)
      col.cancel(peer)
      client.send(bytes('data'))
      expect(await syncRecv(peer, 4)).toBe(4)
      col.select(peer, FD_ACCEPT | FD_CONNECT | FD_OOB | FD_READ)
      expect(await col.quiet(peer)).toEqual([])
    })
    it('data that a pending WSARecv takes records no FD_READ; the next data does', async () => {
      const { client, peer } = await pair()
      col.select(peer, FD_ACCEPT | FD_CLOSE | FD_CONNECT | FD_OOB | FD_READ)
      const ov = new Overlapped()
      recvOverlapped(peer, new Uint8Array(1), ov)
      client.send(bytes('a'))
      expect((await within(getOverlappedResult(peer, ov, true), 'the overlapped receive')).bytes).toBe(1)
      expect(await col.quiet(peer)).toEqual([])
      client.send(bytes('a'))
      await col.next(peer, FD_READ)
      expect(await col.quiet(peer)).toEqual(['READ'])
    })
  })

  describe('test_close_events', () => {
    it('the peer closes: FD_CLOSE (0); message mode posts it again when selected again; recv 0 records nothing', async () => {
      const { client, peer } = await pair()
      const events = FD_ACCEPT | FD_CLOSE | FD_CONNECT | FD_OOB | FD_READ
      col.select(peer, events)
      client.close()
      await col.next(peer, FD_CLOSE)
      expect(await col.quiet(peer)).toEqual(['CLOSE'])
      col.select(peer, events)
      expect(await col.quiet(peer)).toEqual(message ? ['CLOSE'] : [])
      expect(peer.recv(new Uint8Array(5))).toBe(0)
      expect(await col.quiet(peer)).toEqual([])
    })

    it.each(['both', 'send', 'receive'] as const)(
      "the socket's own shutdown('%s') records nothing; the peer's shutdown('send') after it records FD_CLOSE",
      async (how) => {
        const { client, peer } = await pair()
        col.select(peer, FD_ACCEPT | FD_CLOSE | FD_CONNECT | FD_OOB | FD_READ)
        client.shutdown('receive')
        peer.shutdown(how)
        expect(await col.quiet(peer)).toEqual([])
        client.shutdown('send')
        await col.next(peer, FD_CLOSE, "FD_CLOSE for the peer's shutdown")
        expect(await col.quiet(peer)).toEqual(['CLOSE'])
      },
    )

    it('a graceful close with data unread records FD_CLOSE at once; the recvs after it FD_READ while data remains', async () => {
      const { client, peer } = await pair()
      col.select(peer, FD_ACCEPT | FD_CLOSE | FD_CONNECT | FD_OOB | FD_READ)
      client.send(bytes('data!'))
      await col.next(peer, FD_READ)
      expect(await col.quiet(peer)).toEqual(['READ'])
      client.close()
      await col.next(peer, FD_CLOSE, 'FD_CLOSE with the data unread')
      expect(await col.quiet(peer)).toEqual(['CLOSE'])
      expect(peer.recv(new Uint8Array(3))).toBe(3)
      await col.next(peer, FD_READ)
      expect(await col.quiet(peer)).toEqual(['READ'])
      expect(peer.recv(new Uint8Array(5))).toBe(2)
      expect(await col.quiet(peer)).toEqual([])
    })

    it('closed, then selected (also first without FD_CLOSE): FD_CLOSE', async () => {
      const { client, peer } = await pair()
      col.select(peer, FD_ACCEPT | FD_CONNECT | FD_OOB | FD_READ)
      client.close()
      expect(await col.quiet(peer)).toEqual([])
      col.select(peer, FD_ACCEPT | FD_CLOSE | FD_CONNECT | FD_OOB | FD_READ)
      await col.next(peer, FD_CLOSE)
      expect(await col.quiet(peer)).toEqual(['CLOSE'])
    })

    it('a reset (the peer closes with linger 0): FD_CLOSE with WSAECONNABORTED, posted again when message mode selects again', async () => {
      const { client, peer } = await pair()
      const events = FD_ACCEPT | FD_CLOSE | FD_CONNECT | FD_OOB | FD_READ
      col.select(peer, events)
      client.setSockOpt(SOL_SOCKET, SO_LINGER, { onoff: true, linger: 0 })
      client.close()
      await col.next(peer, FD_CLOSE)
      expect(await col.quiet(peer)).toEqual([`CLOSE(${WSAECONNABORTED})`])
      col.select(peer, events)
      expect(await col.quiet(peer)).toEqual(message ? [`CLOSE(${WSAECONNABORTED})`] : [])
      col.cancel(peer)
      col.select(peer, events)
      expect(await col.quiet(peer)).toEqual(message ? [`CLOSE(${WSAECONNABORTED})`] : [])
    })
  })
})
