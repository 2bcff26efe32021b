// Overlapped datagrams as Windows runs them, from Wine's dlls/ws2_32/tests/sock.c (test_WSASendTo,
// test_WSARecv's datagram parts, test_completion_port) and Microsoft's WSARecvFrom page, in our
// words: WSARecvFrom takes one datagram per operation, and its sender (lpFrom) is known at
// completion, here as `ov.from`; a datagram longer than the buffers fills them and completes with
// WSAEMSGSIZE, the bytes kept counted; WSASendTo sends one datagram; WSARecv and WSASend work on
// UDP sockets too (WSARecv before bind: WSAEINVAL; WSASend without a peer: WSAENOTCONN, at the call).
// Completion routines and ports get the same outcomes. Both engines.
import { describe, expect, it } from 'vitest'
import {
  CompletionPort,
  Overlapped,
  getOverlappedResult,
  recvFromOverlapped,
  recvOverlapped,
  sendOverlapped,
  sendToOverlapped,
  sleepEx,
  type CompletionRoutine,
} from '../../lib/index.js'
import { boundUdp, nextDatagram, udp } from '../helpers/datagrams.js'
import { expectRejectsWsm, expectTypeError } from '../helpers/errors.js'
import { untilNoPendingOperations } from '../helpers/overlapped.js'
import { FAMILIES, LOOPBACK, bytes, pair, text, useSocketCleanup } from '../helpers/sockets.js'
import { WAIT_MS, within } from '../helpers/time.js'
import { WSAEINVAL, WSAEMSGSIZE, WSAENOTCONN, expectWinsockError } from './winsock-errors.js'

useSocketCleanup()

describe.each(FAMILIES)('test_WSASendTo, WSARecvFrom (IPv%i)', (family) => {
  it('a pending WSARecvFrom takes one datagram; ov.from names its sender at completion', async () => {
    const receiver = boundUdp(family)
    const sender = udp(family)
    const buf = new Uint8Array(64)
    const ov = new Overlapped()
    recvFromOverlapped(receiver, buf, ov)
    expect(ov.from).toBeNull()
    sender.sendTo(bytes('one'), receiver.localPort, LOOPBACK[family])
    sender.sendTo(bytes('two'), receiver.localPort, LOOPBACK[family])
    expect(await within(getOverlappedResult(receiver, ov, true), 'WSARecvFrom')).toEqual({ bytes: 3, flags: 0 })
    expect(text(buf, 3)).toBe('one')
    expect(ov.from).toEqual({ address: LOOPBACK[family], port: sender.localPort, family })
    // The second datagram is the next operation's, whole.
    recvFromOverlapped(receiver, buf, ov)
    expect((await within(getOverlappedResult(receiver, ov, true), 'WSARecvFrom')).bytes).toBe(3)
    expect(text(buf, 3)).toBe('two')
  })

  it('WSASendTo sends its buffers as one datagram, binding the socket first', async () => {
    const receiver = boundUdp(family)
    const sender = udp(family)
    const ov = new Overlapped()
    sendToOverlapped(sender, [bytes('ab'), bytes('cd')], receiver.localPort, LOOPBACK[family], ov)
    expect(await within(getOverlappedResult(sender, ov, true), 'WSASendTo')).toEqual({ bytes: 4, flags: 0 })
    const got = await nextDatagram(receiver)
    expect({ text: text(got.data, got.bytes), port: got.port }).toEqual({ text: 'abcd', port: sender.localPort })
  })
})

describe('WSARecvFrom: truncation and empty datagrams', () => {
  it('a datagram longer than the buffers fills them and completes with WSAEMSGSIZE; the rest is lost', async () => {
    const receiver = boundUdp()
    const sender = udp()
    const a = new Uint8Array(3)
    const b = new Uint8Array(2)
    const ov = new Overlapped()
    recvFromOverlapped(receiver, [a, b], ov)
    sender.sendTo(bytes('0123456789'), receiver.localPort, LOOPBACK[4])
    const e = await expectRejectsWsm(getOverlappedResult(receiver, ov, true), 'EMSGSIZE')
    expect({ wsaCode: e.wsaCode, syscall: e.syscall, bytes: ov.bytes }).toEqual({ wsaCode: WSAEMSGSIZE, syscall: 'WSARecvFrom', bytes: 5 })
    expect(text(a, 3) + text(b, 2)).toBe('01234')
    expect(ov.from?.port).toBe(sender.localPort)
    sender.sendTo(bytes('next'), receiver.localPort, LOOPBACK[4])
    const next = await nextDatagram(receiver)
    expect(text(next.data, next.bytes)).toBe('next')
  })

  it('an empty datagram completes with 0 bytes and its sender', async () => {
    const receiver = boundUdp()
    const sender = udp()
    const ov = new Overlapped()
    recvFromOverlapped(receiver, new Uint8Array(8), ov)
    sender.sendTo(new Uint8Array(0), receiver.localPort, LOOPBACK[4])
    expect((await within(getOverlappedResult(receiver, ov, true), 'WSARecvFrom')).bytes).toBe(0)
    expect(ov.from?.port).toBe(sender.localPort)
  })
})

describe('closesocket with a WSARecvFrom pending', () => {
  it('completes it with WSA_OPERATION_ABORTED, ov.from null', async () => {
    const receiver = boundUdp()
    const ov = new Overlapped()
    recvFromOverlapped(receiver, new Uint8Array(8), ov)
    receiver.close()
    const e = await expectRejectsWsm(getOverlappedResult(receiver, ov, true), 'ECANCELED')
    expect({ wsaCode: e.wsaCode, from: ov.from }).toEqual({ wsaCode: 995, from: null })
  })
})

describe('WSARecv and WSASend on UDP sockets', () => {
  it('WSARecv before bind is WSAEINVAL, WSASend without a peer WSAENOTCONN, at the call', () => {
    expectWinsockError(() => recvOverlapped(udp(), new Uint8Array(8), new Overlapped()), 'EINVAL', WSAEINVAL, 'WSARecv')
    expectWinsockError(() => recvFromOverlapped(udp(), new Uint8Array(8), new Overlapped()), 'EINVAL', WSAEINVAL, 'WSARecvFrom')
    expectWinsockError(() => sendOverlapped(boundUdp(), bytes('x'), new Overlapped()), 'ENOTCONN', WSAENOTCONN, 'WSASend')
  })

  it('on a connected socket they move one datagram each, a truncated one with WSAEMSGSIZE', async () => {
    const a = boundUdp()
    const b = boundUdp()
    a.connect(b.localPort, LOOPBACK[4])
    b.connect(a.localPort, LOOPBACK[4])
    const sent = new Overlapped()
    sendOverlapped(a, bytes('hello'), sent)
    expect((await within(getOverlappedResult(a, sent, true), 'WSASend')).bytes).toBe(5)
    const ov = new Overlapped()
    const small = new Uint8Array(2)
    recvOverlapped(b, small, ov)
    await expectRejectsWsm(getOverlappedResult(b, ov, true), 'EMSGSIZE')
    expect({ bytes: ov.bytes, text: text(small, 2), from: ov.from }).toEqual({ bytes: 2, text: 'he', from: null })
  })
})

describe('completion routines and ports', () => {
  it('a routine gets WSAEMSGSIZE and the bytes kept, or 0 and the length', async () => {
    const receiver = boundUdp()
    const sender = udp()
    const calls: Array<[number, number]> = []
    const routine: CompletionRoutine = (error, n) => calls.push([error, n])
    recvFromOverlapped(receiver, new Uint8Array(4), new Overlapped(), routine)
    sender.sendTo(bytes('toolong'), receiver.localPort, LOOPBACK[4])
    await untilNoPendingOperations()
    recvFromOverlapped(receiver, new Uint8Array(4), new Overlapped(), routine)
    sender.sendTo(bytes('ok'), receiver.localPort, LOOPBACK[4])
    await untilNoPendingOperations()
    await within(sleepEx(WAIT_MS, true), 'sleepEx')
    expect(calls).toEqual([
      [WSAEMSGSIZE, 4],
      [0, 2],
    ])
  })

  it('a port gets a packet per datagram, with the Overlapped that names its sender', async () => {
    const receiver = boundUdp()
    const sender = udp()
    const port = new CompletionPort()
    try {
      port.associate(receiver, 7)
      const ov = new Overlapped()
      recvFromOverlapped(receiver, new Uint8Array(16), ov)
      sendToOverlapped(sender, bytes('packet'), receiver.localPort, LOOPBACK[4], new Overlapped())
      const packet = await within(port.getQueuedCompletionStatus(WAIT_MS), 'GQCS')
      expect({ key: packet?.key, bytes: packet?.bytes, error: packet?.error, from: packet?.overlapped?.from?.port }).toEqual({
        key: 7,
        bytes: 6,
        error: 0,
        from: sender.localPort,
      })
      // A truncated datagram: WSAEMSGSIZE, with the bytes kept.
      recvFromOverlapped(receiver, new Uint8Array(2), ov)
      sender.sendTo(bytes('toolong'), receiver.localPort, LOOPBACK[4])
      const cut = await within(port.getQueuedCompletionStatus(WAIT_MS), 'GQCS')
      expect({ bytes: cut?.bytes, error: cut?.error }).toEqual({ bytes: 2, error: WSAEMSGSIZE })
    } finally {
      port.close()
    }
  })
})

describe('on a TCP socket', () => {
  it('WSASendTo is a WSASend and WSARecvFrom a WSARecv, ov.from left null', async () => {
    const { client, peer } = await pair()
    const sent = new Overlapped()
    sendToOverlapped(client, bytes('tcp'), 9, LOOPBACK[4], sent)
    expect((await within(getOverlappedResult(client, sent, true), 'WSASendTo')).bytes).toBe(3)
    const ov = new Overlapped()
    const buf = new Uint8Array(8)
    recvFromOverlapped(peer, buf, ov)
    expect((await within(getOverlappedResult(peer, ov, true), 'WSARecvFrom')).bytes).toBe(3)
    expect(ov.from).toBeNull()
  })
})

describe('bad input', () => {
  it('is a TypeError or EINVAL/EADDRNOTAVAIL at the call, with nothing pending', () => {
    const s = boundUdp()
    expectTypeError(() => recvFromOverlapped(s, 'x' as never, new Overlapped()))
    expectTypeError(() => recvFromOverlapped({} as never, new Uint8Array(1), new Overlapped()))
    expectTypeError(() => sendToOverlapped(s, bytes('x'), 'port' as never, undefined, new Overlapped()))
    expectWinsockError(() => sendToOverlapped(s, bytes('x'), 0, LOOPBACK[4], new Overlapped()), 'EADDRNOTAVAIL', 10049, 'WSASendTo')
    const ov = new Overlapped()
    expect(() => sendToOverlapped(s, bytes('x'), 9, '::1', ov)).toThrow()
    expect(ov.pending).toBe(false)
  })
})
