// A reset connection as every model reports it, whichever call met the reset first. Winsock
// fails every later recv and send with WSAECONNRESET for the rest of the socket's life, puts the
// socket in select's read set (not the except set) and records FD_CLOSE with WSAECONNABORTED (as
// Windows does: test/conformance/network-events.test.ts). The
// kernel reports the reset's error once, so the core must remember it (src/net/reset_record.h).
import { describe, expect, it } from 'vitest'
import { once } from 'node:events'
import {
  CompletionPort,
  FD_CLOSE,
  FD_READ,
  FdSet,
  Overlapped,
  WsaEvent,
  enumNetworkEvents,
  eventSelect,
  recvOverlapped,
  select,
  sendOverlapped,
  waitForMultipleEvents,
  type Socket,
} from '../lib/index.js'
import { expectWsmError } from './helpers/errors.js'
import { expectNoFdLeaks } from './helpers/fds.js'
import { nextPacket, packets, untilNoPendingOperations } from './helpers/overlapped.js'
import { WSAECONNABORTED, WSAECONNRESET, nodeClientPair, useNodeClientCleanup } from './helpers/reset-peer.js'
import { bytes, closeAll, eventually, text, useSocketCleanup } from './helpers/sockets.js'
import { WAIT_MS, delay, within } from './helpers/time.js'

const closers: Array<{ close(): void }> = []

expectNoFdLeaks(async () => {
  for (const c of closers.splice(0)) c.close()
  closeAll()
  await untilNoPendingOperations()
})
useSocketCleanup()
useNodeClientCleanup()

/** A connection reset by its Node client, whose reset an overlapped send has taken (and reported). */
async function resetTakenBySend(): Promise<Socket> {
  const { socket, client } = await nodeClientPair()
  const port = new CompletionPort()
  closers.push(port)
  port.associate(socket, 1)
  const send = new Overlapped()
  sendOverlapped(socket, new Uint8Array(16 * 1024 * 1024), send)
  client.resetAndDestroy()
  const [p] = await packets(port, 1)
  expect(p!.cause).toMatchObject({ code: 'ECONNRESET', wsaCode: WSAECONNRESET })
  return socket
}

function expectReset(fn: () => unknown, syscall: string): void {
  expect(expectWsmError(fn, 'ECONNRESET')).toMatchObject({ wsaCode: WSAECONNRESET, syscall })
}

describe('after an overlapped send took the reset', () => {
  it('recv and send throw ECONNRESET (WSAECONNRESET), every time', async () => {
    const s = await resetTakenBySend()
    for (let i = 0; i < 3; i++) {
      expectReset(() => s.recv(new Uint8Array(8)), 'recv')
      expectReset(() => s.send(bytes('x')), 'send')
    }
  })

  it('select: in the read set (a recv would not block: it fails), not in the except set', async () => {
    const s = await resetTakenBySend()
    const read = new FdSet([s])
    const except = new FdSet([s])
    expect(await within(select({ read, except }, WAIT_MS), 'select')).toBe(1)
    expect([...read]).toEqual([s])
    expect(except.size).toBe(0)
    expectReset(() => s.recv(new Uint8Array(8)), 'recv')
  })

  it('WSAEventSelect: FD_CLOSE is recorded with WSAECONNABORTED, not as a graceful close', async () => {
    const s = await resetTakenBySend()
    const ev = new WsaEvent()
    closers.push(ev)
    eventSelect(s, ev, FD_CLOSE)
    expect(await within(waitForMultipleEvents([ev], { timeoutMs: WAIT_MS }), 'waitForMultipleEvents', WAIT_MS + 500)).toBe(0)
    expect(enumNetworkEvents(s, ev)).toEqual({ events: FD_CLOSE, errors: { [FD_CLOSE]: WSAECONNABORTED } })
  })
})

describe('after a synchronous call took the reset', () => {
  it('every later recv and send throws ECONNRESET too, never 0 (a graceful end) or EPIPE', async () => {
    const { socket, client } = await nodeClientPair()
    client.resetAndDestroy()
    await eventually(() => {
      try {
        socket.recv(new Uint8Array(8))
      } catch (e) {
        if ((e as { code?: string }).code === 'ECONNRESET') return true
        throw e
      }
      return false
    }, 'the reset, at recv')
    for (let i = 0; i < 3; i++) {
      expectReset(() => socket.recv(new Uint8Array(8)), 'recv')
      expectReset(() => socket.send(bytes('x')), 'send')
    }
  })

  it('a graceful close stays one: recv returns 0, and a send after shutdown(\'send\') is ESHUTDOWN, not a reset', async () => {
    const { socket, client } = await nodeClientPair()
    socket.shutdown('send')
    client.end()
    expect(await eventually(() => socket.recv(new Uint8Array(8)) === 0, 'the end of the stream')).toBe(true)
    expect(socket.recv(new Uint8Array(8))).toBe(0)
    expectWsmError(() => socket.send(bytes('x')), 'ESHUTDOWN')
  })
})

/**
 * A connection reset in CLOSE_WAIT: the Node client sends 'hello' and its FIN and closes; the
 * core's byte then reaches a closed socket, which answers with a reset. Linux sets the socket's
 * error to EPIPE for a reset in CLOSE_WAIT (ECONNRESET in any other state); Winsock reports 10054.
 */
async function resetAfterFin(): Promise<Socket> {
  const { socket, client } = await nodeClientPair()
  client.end('hello')
  client.destroy()
  await once(client, 'close')
  await eventually(() => socket.send(bytes('x')), 'the send that draws the reset')
  // On loopback the reset is handled within that send; the delay is only a margin.
  await delay(20)
  return socket
}

/** recv gives the bytes that came before the reset, then fails with the reset, every time. */
function expectBytesThenReset(s: Socket): void {
  const buf = new Uint8Array(64)
  expect(text(buf, s.recv(buf))).toBe('hello')
  for (let i = 0; i < 3; i++) {
    expectReset(() => s.recv(buf), 'recv')
    expectReset(() => s.send(bytes('x')), 'send')
  }
}

describe('a reset after the peer\'s FIN (CLOSE_WAIT, where Linux says EPIPE)', () => {
  it('recv gives the data, then ECONNRESET (WSAECONNRESET) every time, never EPIPE', async () => {
    expectBytesThenReset(await resetAfterFin())
  })

  it('getError() reports ECONNRESET, once', async () => {
    const s = await resetAfterFin()
    expect(s.getError()).toMatchObject({ code: 'ECONNRESET', wsaCode: WSAECONNRESET })
    expect(s.getError()).toBeNull()
    expectBytesThenReset(s)
  })

  it('select: in the read set; then the data, then ECONNRESET', async () => {
    const s = await resetAfterFin()
    const read = new FdSet([s])
    const except = new FdSet([s])
    expect(await within(select({ read, except }, WAIT_MS), 'select')).toBe(1)
    expect([...read]).toEqual([s])
    expectBytesThenReset(s)
  })

  it('WSAEventSelect: FD_CLOSE is recorded with WSAECONNABORTED; then the data, then ECONNRESET', async () => {
    const s = await resetAfterFin()
    const ev = new WsaEvent()
    closers.push(ev)
    eventSelect(s, ev, FD_READ | FD_CLOSE)
    expect(await within(waitForMultipleEvents([ev], { timeoutMs: WAIT_MS }), 'waitForMultipleEvents', WAIT_MS + 500)).toBe(0)
    expect(enumNetworkEvents(s, ev)).toEqual({ events: FD_READ | FD_CLOSE, errors: { [FD_READ]: 0, [FD_CLOSE]: WSAECONNABORTED } })
    expectBytesThenReset(s)
  })

  it('completion port: the receive gets the data, the next receive and a send fail with WSAECONNRESET', async () => {
    const s = await resetAfterFin()
    await expectPortDataThenReset(s, 1)
  })

  it('completion port after FD_CLOSE took the error: the data, then WSAECONNRESET, never a 0-byte receive', async () => {
    const s = await resetAfterFin()
    const ev = new WsaEvent()
    closers.push(ev)
    eventSelect(s, ev, FD_CLOSE)
    expect(await within(waitForMultipleEvents([ev], { timeoutMs: WAIT_MS }), 'waitForMultipleEvents', WAIT_MS + 500)).toBe(0)
    expect(enumNetworkEvents(s, ev)).toEqual({ events: FD_CLOSE, errors: { [FD_CLOSE]: WSAECONNABORTED } })
    eventSelect(s, ev, 0)
    await expectPortDataThenReset(s, 2)
  })
})

/**
 * Through a completion port: the first receive gets the 'hello' the peer sent before its FIN, then
 * `resets` more receives and a send each fail at the call with WSAECONNRESET (never a 0-byte
 * receive), with no packet, as Windows fails WSARecv/WSASend on a reset connection
 * (test/conformance/overlapped-ports.test.ts).
 */
async function expectPortDataThenReset(s: Socket, resets: number): Promise<void> {
  const port = new CompletionPort()
  closers.push(port)
  port.associate(s, 1)
  const buf = new Uint8Array(64)
  const recv = new Overlapped()
  recvOverlapped(s, buf, recv)
  const first = await nextPacket(port)
  expect({ error: first.error, data: text(buf, first.bytes) }).toEqual({ error: 0, data: 'hello' })
  for (let i = 0; i < resets; i++) expectReset(() => recvOverlapped(s, buf, recv), 'WSARecv')
  const send = new Overlapped()
  expectReset(() => sendOverlapped(s, bytes('x'), send), 'WSASend')
  expect(await port.getQueuedCompletionStatus(50)).toBeNull()
}
