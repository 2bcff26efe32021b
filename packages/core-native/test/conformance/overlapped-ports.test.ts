// Overlapped calls and completion ports as Windows answers them, from Wine's
// dlls/ws2_32/tests/sock.c (test_completion_port, test_WSARecv, test_AcceptEx), in our words. On
// Linux an operation the kernel would fail at once still goes to the engine and fails later; Windows
// fails WSARecv, WSASend and AcceptEx at the call (SOCKET_ERROR with the code), with nothing
// queued and no completion packet.
import { describe, expect, it } from 'vitest'
import {
  FIONREAD,
  type CompletionPort,
  FdSet,
  Overlapped,
  SOL_SOCKET,
  SO_LINGER,
  WsaEvent,
  acceptEx,
  cancelIoEx,
  connectEx,
  recvOverlapped,
  select,
  sendOverlapped,
  sleepEx,
  type CompletionRoutine,
  type Socket,
} from '../../lib/index.js'
import { WSA_OPERATION_ABORTED, nextPacket, untilDone, usePorts } from '../helpers/overlapped.js'
import { WSAECONNRESET } from '../helpers/reset-peer.js'
import { LOOPBACK, bytes, eventually, listener, pair, tcp, text, useSocketCleanup } from '../helpers/sockets.js'
import { WAIT_MS, within } from '../helpers/time.js'
import { WSAEINVAL, WSAENOTCONN, expectWinsockError } from './winsock-errors.js'

useSocketCleanup()

const port = usePorts()

/** No packet reaches `p` within `ms` (GetQueuedCompletionStatus times out). */
async function expectNoPacket(p: CompletionPort, ms = 200): Promise<void> {
  expect(await p.getQueuedCompletionStatus(ms)).toBeNull()
  p.close()
}

/** A connected pair whose client has reset the connection (SO_LINGER 0, then close), seen by the peer. */
async function resetPair(): Promise<Socket> {
  const { client, peer } = await pair()
  client.setSockOpt(SOL_SOCKET, SO_LINGER, { onoff: true, linger: 0 })
  client.close()
  // Readable once the reset has come (select does not take the error).
  expect(await within(select({ read: new FdSet([peer]) }, WAIT_MS), 'select')).toBe(1)
  return peer
}

describe('test_completion_port: calls Windows fails at once', () => {
  it('WSASend after the peer reset the connection fails at the call with WSAECONNRESET; no packet', async () => {
    const dest = await resetPair()
    const p = port()
    p.associate(dest, 125)
    const ov = new Overlapped()
    expectWinsockError(() => sendOverlapped(dest, bytes('data'), ov), 'ECONNRESET', WSAECONNRESET, 'WSASend')
    expect(ov.pending).toBe(false)
    await expectNoPacket(p)
  })

  it('WSARecv after the peer reset the connection fails at the call with WSAECONNRESET, every time; no packet', async () => {
    const dest = await resetPair()
    const p = port()
    p.associate(dest, 125)
    const ov = new Overlapped()
    for (let i = 0; i < 2; i++) {
      expectWinsockError(() => recvOverlapped(dest, new Uint8Array(64), ov), 'ECONNRESET', WSAECONNRESET, 'WSARecv')
    }
    expect(ov.pending).toBe(false)
    await expectNoPacket(p)
  })

  it('bytes that came before the reset are still received first', async () => {
    const { client, peer } = await pair()
    client.send(bytes('last words'))
    client.setSockOpt(SOL_SOCKET, SO_LINGER, { onoff: true, linger: 0 })
    await eventually(() => peer.ioctlSocket(FIONREAD) === 10, 'the bytes queued')
    client.close()
    const buf = new Uint8Array(64)
    const ov = new Overlapped()
    // Linux keeps the queued bytes after a reset; Windows discards them. Reading them is kept.
    recvOverlapped(peer, buf, ov)
    await untilDone(ov)
    expect({ error: ov.error, data: text(buf, ov.bytes) }).toEqual({ error: null, data: 'last words' })
  })

  it('WSARecv on a socket that is not connected fails at the call with WSAENOTCONN; no packet', async () => {
    const dest = tcp()
    const p = port()
    p.associate(dest, 125)
    const ov = new Overlapped()
    expectWinsockError(() => recvOverlapped(dest, new Uint8Array(64), ov), 'ENOTCONN', WSAENOTCONN, 'WSARecv')
    expect(ov.pending).toBe(false)
    await expectNoPacket(p)
  })

  it('a port associated with the listener after AcceptEx was posted gets its abort packet when the listener closes', async () => {
    const src = listener()
    const dest = tcp()
    const ov = new Overlapped()
    acceptEx(src, dest, ov)
    const p = port()
    p.associate(src, 125)
    src.close()
    const packet = await nextPacket(p, 1000)
    expect({ key: packet.key, bytes: packet.bytes, error: packet.error, same: packet.overlapped === ov }).toEqual({
      key: 125,
      bytes: 0,
      error: WSA_OPERATION_ABORTED,
      same: true,
    })
    await expectNoPacket(p)
  })
})

describe('test_AcceptEx: the accept socket of a pending AcceptEx', () => {
  it('a second AcceptEx into it is WSAEINVAL, connect and ConnectEx on it too; the first AcceptEx takes the connection', async () => {
    const server = listener()
    const acceptor = tcp()
    const ov = new Overlapped()
    acceptEx(server, acceptor, ov)
    expectWinsockError(() => acceptEx(server, acceptor, new Overlapped()), 'EINVAL', WSAEINVAL, 'AcceptEx')
    expectWinsockError(() => acceptor.connect(server.localPort, LOOPBACK[4]), 'EINVAL', WSAEINVAL, 'connect')
    expectWinsockError(() => connectEx(acceptor, server.localPort, LOOPBACK[4], new Overlapped()), 'EINVAL', WSAEINVAL, 'ConnectEx')
    const connector = tcp()
    connector.connect(server.localPort, LOOPBACK[4])
    await untilDone(ov, 'the AcceptEx')
    expect(ov.error).toBeNull()
    expect(acceptor.remotePort).toBe(connector.localPort)
  })

  it('closing it completes the AcceptEx with WSA_OPERATION_ABORTED, and the next connection is left for a later accept', async () => {
    const server = listener()
    const acceptor = tcp()
    const event = new WsaEvent()
    const ov = new Overlapped({ event })
    acceptEx(server, acceptor, ov)
    acceptor.close()
    await untilDone(ov, 'the AcceptEx')
    expect({ code: ov.error?.code, wsaCode: ov.error?.wsaCode, signaled: event.signaled }).toEqual({
      code: 'ECANCELED',
      wsaCode: WSA_OPERATION_ABORTED,
      signaled: true,
    })
    const connector = tcp()
    connector.connect(server.localPort, LOOPBACK[4])
    const accepted = await eventually(() => server.accept(), 'the connection, at accept')
    expect(accepted.remotePort).toBe(connector.localPort)
    accepted.close()
  })

  it('CancelIoEx on it does not cancel the AcceptEx (that is the listener\'s operation)', async () => {
    const server = listener()
    const acceptor = tcp()
    const ov = new Overlapped()
    acceptEx(server, acceptor, ov)
    expect(cancelIoEx(acceptor)).toBe(false)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(ov.pending).toBe(true)
    expect(cancelIoEx(server, ov)).toBe(true)
    await untilDone(ov)
    expect(ov.error?.code).toBe('ECANCELED')
  })
})

describe('test_WSARecv: the event and the completion routine', () => {
  it('with a completion routine the event is left alone; the routine reports the bytes', async () => {
    const { client, peer } = await pair()
    const event = new WsaEvent()
    const ov = new Overlapped({ event })
    const calls: Array<[number, number]> = []
    const routine: CompletionRoutine = (error, n) => calls.push([error, n])
    recvOverlapped(peer, new Uint8Array(64), ov, routine)
    client.send(bytes('test message'))
    expect(await within(sleepEx(WAIT_MS, true), 'sleepEx')).toBe(192)
    expect(calls).toEqual([[0, 12]])
    expect(event.signaled).toBe(false)
  })

  it('the event is reset when a new operation starts', async () => {
    const { client, peer } = await pair()
    const event = new WsaEvent()
    const ov = new Overlapped({ event })
    recvOverlapped(peer, new Uint8Array(64), ov)
    client.send(bytes('one'))
    await untilDone(ov)
    expect(event.signaled).toBe(true)
    recvOverlapped(peer, new Uint8Array(64), ov)
    expect(event.signaled).toBe(false)
    client.send(bytes('two'))
    await untilDone(ov)
    expect(event.signaled).toBe(true)
  })

  it('a completion routine on a socket associated with a port is WSAEINVAL; nothing starts, the routine never runs', async () => {
    const { client, peer } = await pair()
    const p = port()
    p.associate(peer, 1)
    const ov = new Overlapped()
    let called = 0
    const routine: CompletionRoutine = () => called++
    expectWinsockError(() => recvOverlapped(peer, new Uint8Array(64), ov, routine), 'EINVAL', WSAEINVAL, 'WSARecv')
    expectWinsockError(() => sendOverlapped(peer, bytes('x'), ov, routine), 'EINVAL', WSAEINVAL, 'WSASend')
    expect(ov.pending).toBe(false)
    client.send(bytes('x'))
    expect(await sleepEx(50, true)).toBe(0)
    expect(called).toBe(0)
    await expectNoPacket(p, 50)
  })
})
