// SO_LINGER at close, from Wine's dlls/ws2_32/tests/sock.c (test_WSARecv resets a connection with
// LINGER { 1, 0 } and closesocket), in our words: { onoff: true, linger: 0 } closes abortively, the
// peer's next recv fails with WSAECONNRESET; off, the close is graceful; and a timed linger never
// makes closesocket wait on the JavaScript thread.
import { describe, expect, it } from 'vitest'
import { Overlapped, SOL_SOCKET, SO_LINGER, Socket, acceptEx } from '../../lib/index.js'
import { untilDone } from '../helpers/overlapped.js'
import { WSAECONNRESET } from '../helpers/reset-peer.js'
import { LOOPBACK, bytes, eventually, listener, pair, recvExactly, recvUntilClosed, tcp, track, useSocketCleanup } from '../helpers/sockets.js'

useSocketCleanup()

/** Sends until the kernel takes no more (the peer reads nothing), so data is left unacknowledged; the bytes sent. */
function fill(s: { send(b: Uint8Array): number }): number {
  const chunk = new Uint8Array(64 * 1024)
  let sent = 0
  for (;;) {
    try {
      sent += s.send(chunk)
    } catch (e) {
      if ((e as { code?: string }).code === 'EWOULDBLOCK') return sent
      throw e
    }
  }
}

/** What `s.recv` fails with once something comes (EWOULDBLOCK meanwhile); fails the test on data or a close. */
async function firstError(s: Socket): Promise<unknown> {
  const buf = new Uint8Array(16)
  return eventually(() => {
    try {
      const n = s.recv(buf)
      throw new Error(`recv gave ${n}, not an error`)
    } catch (e) {
      if ((e as { code?: string }).code === 'EWOULDBLOCK') return null
      return e
    }
  }, 'an error from recv')
}

describe('test_WSARecv: SO_LINGER { onoff: true, linger: 0 }', () => {
  it('closesocket resets the connection: the peer recv fails with ECONNRESET', async () => {
    const { client, peer } = await pair()
    client.send(bytes('x'))
    await recvExactly(peer, 1)
    client.setSockOpt(SOL_SOCKET, SO_LINGER, { onoff: true, linger: 0 })
    client.close()
    expect(await firstError(peer)).toMatchObject({ code: 'ECONNRESET', wsaCode: WSAECONNRESET })
  })

  it('set on an AcceptEx socket before the call, it holds for the connection it becomes', async () => {
    const server = listener()
    const accepted = track(Socket.tcp())
    accepted.setSockOpt(SOL_SOCKET, SO_LINGER, { onoff: true, linger: 0 })
    const ov = new Overlapped()
    acceptEx(server, accepted, ov)
    const client = tcp()
    client.connect(server.localPort, LOOPBACK[4])
    await untilDone(ov, 'AcceptEx')
    accepted.close()
    expect(await firstError(client)).toMatchObject({ code: 'ECONNRESET', wsaCode: WSAECONNRESET })
  })

  it('off (the default, or { onoff: false }), closesocket is graceful: the peer reads 0', async () => {
    const { client, peer } = await pair()
    client.setSockOpt(SOL_SOCKET, SO_LINGER, { onoff: false, linger: 0 })
    client.close()
    expect(await eventually(() => peer.recv(new Uint8Array(16)) === 0, 'the orderly close')).toBe(true)
  })
})

describe('SO_LINGER with a time', () => {
  it('closesocket returns at once even with unsent data (no wait on the JavaScript thread)', async () => {
    const { client, peer } = await pair()
    const sent = fill(client)
    client.setSockOpt(SOL_SOCKET, SO_LINGER, { onoff: true, linger: 3 })
    const started = performance.now()
    client.close()
    expect(performance.now() - started).toBeLessThan(500)
    // The close stays graceful, in the background: the peer gets every byte, then the orderly close.
    expect(await recvUntilClosed(peer)).toBe(sent)
  })
})
