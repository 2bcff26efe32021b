// Calls in a direction this side shut down, as Windows reports them (Wine's dlls/ws2_32/tests/sock.c
// and dlls/ws2_32/tests/afd.c record it): a send after shutdown(SD_SEND) and a receive after
// shutdown(SD_RECEIVE) fail with WSAESHUTDOWN (10058), WSASend/WSARecv at the call with nothing
// pending, where Linux gives a send EPIPE and a receive 0. The other direction keeps working.
// Runs on whichever engine serves the process (the suite runs under both: WSM_BACKEND).
import { describe, expect, it } from 'vitest'
import { Overlapped, recvOverlapped, sendOverlapped } from '../lib/index.js'
import { expectWsmError } from './helpers/errors.js'
import { expectNoFdLeaks } from './helpers/fds.js'
import { outcome } from './helpers/overlapped.js'
import { FAMILIES, bytes, closeAll, pair, recvExactly, recvUntilClosed, text, useSocketCleanup } from './helpers/sockets.js'

const WSAESHUTDOWN = 10058

expectNoFdLeaks(closeAll)
useSocketCleanup()

function expectShutdownError(fn: () => unknown, syscall: string): void {
  const e = expectWsmError(fn, 'ESHUTDOWN')
  expect({ wsaCode: e.wsaCode, syscall: e.syscall }).toEqual({ wsaCode: WSAESHUTDOWN, syscall })
}

describe.each(FAMILIES)('shutdown over IPv%i', (family) => {
  it("a send after shutdown('send') fails with ESHUTDOWN (WSAESHUTDOWN), every time; receiving still works", async () => {
    const { client, peer } = await pair(family)
    client.shutdown('send')
    for (let i = 0; i < 2; i++) expectShutdownError(() => client.send(bytes('x')), 'send')
    expect(await recvUntilClosed(peer)).toBe(0) // the FIN went out
    expect(peer.send(bytes('ack'))).toBe(3)
    expect(text(await recvExactly(client, 3), 3)).toBe('ack')
  })

  it("sendOverlapped after shutdown('send') fails at the call with ESHUTDOWN, leaving nothing pending", async () => {
    const { client, peer } = await pair(family)
    client.shutdown('send')
    const ov = new Overlapped()
    expectShutdownError(() => sendOverlapped(client, bytes('late'), ov), 'WSASend')
    expect(ov.pending).toBe(false)
    expect(await recvUntilClosed(peer)).toBe(0) // nothing of it reached the peer
  })

  it("a recv after shutdown('receive') fails with ESHUTDOWN, even with data queued; sending still works", async () => {
    const { client, peer } = await pair(family)
    expect(peer.send(bytes('queued'))).toBe(6)
    client.shutdown('receive')
    for (let i = 0; i < 2; i++) expectShutdownError(() => client.recv(new Uint8Array(16)), 'recv')
    expect(client.send(bytes('still'))).toBe(5)
    expect(text(await recvExactly(peer, 5), 5)).toBe('still')
  })

  it("recvOverlapped after shutdown('receive') fails at the call with ESHUTDOWN, leaving nothing pending", async () => {
    const { client } = await pair(family)
    client.shutdown('receive')
    const ov = new Overlapped()
    expectShutdownError(() => recvOverlapped(client, new Uint8Array(16), ov), 'WSARecv')
    expectShutdownError(() => recvOverlapped(client, new Uint8Array(0), ov), 'WSARecv') // the zero-byte receive too
    expect(ov.pending).toBe(false)
  })

  it("shutdown('both') refuses both directions with ESHUTDOWN", async () => {
    const { client } = await pair(family)
    client.shutdown('both')
    expectShutdownError(() => client.send(bytes('x')), 'send')
    expectShutdownError(() => client.recv(new Uint8Array(8)), 'recv')
    expectShutdownError(() => sendOverlapped(client, bytes('x'), new Overlapped()), 'WSASend')
    expectShutdownError(() => recvOverlapped(client, new Uint8Array(8), new Overlapped()), 'WSARecv')
  })

  it("a send pending when shutdown('send') is called completes with ESHUTDOWN (error 10058), not EPIPE", async () => {
    const { client } = await pair(family)
    // More than the socket buffers of both ends hold while the peer reads nothing: it stays pending.
    const ov = new Overlapped()
    sendOverlapped(client, new Uint8Array(64 << 20), ov)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(ov.pending).toBe(true)
    client.shutdown('send')
    const done = await outcome(client, ov)
    expect({ code: done.code, wsaCode: done.error?.wsaCode }).toEqual({ code: 'ESHUTDOWN', wsaCode: WSAESHUTDOWN })
  })
})
