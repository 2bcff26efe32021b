// fromNetworkEvents: one socket's WSAEventSelect / WSAAsyncSelect events as values, with
// Winsock's re-enabling rules intact (the subscriber's recv re-enables FD_READ, and only while
// data remains; accept() re-enables FD_ACCEPT while connections remain queued; only a send that
// failed with EWOULDBLOCK re-enables FD_WRITE), teardown that deselects the socket, and core errors
// as error notifications.
import { FD_ACCEPT, FD_CLOSE, FD_CONNECT, FD_READ, FD_WRITE, Socket, WsmError } from '@wsm/core-native'
import { take } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { fromNetworkEvents, type NetworkEvent, type NetworkEventModel } from '../src/index.js'
import { closedPort, pair, tcp, track, useSocketCleanup } from './helpers/sockets.js'
import { errorOf, eventually, valuesOf } from './helpers/wait.js'

useSocketCleanup()

const MODELS: readonly NetworkEventModel[] = ['event-select', 'async-select']
// Long enough for an event that is due to be recorded and delivered on loopback.
const SETTLE_MS = 80
const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS))
const bytes = (text: string) => new TextEncoder().encode(text)

/** Sends until the kernel takes no more: the last send fails with EWOULDBLOCK. The bytes sent. */
function fillUntilBlocked(s: Socket): number {
  const chunk = new Uint8Array(256 * 1024)
  let total = 0
  for (let i = 0; i < 4096; i++) {
    try {
      total += s.send(chunk)
    } catch (err) {
      if (err instanceof WsmError && err.code === 'EWOULDBLOCK') return total
      throw err
    }
  }
  throw new Error(`send never blocked after ${total} bytes`)
}

/** Receives until `n` bytes have been taken from `s`. */
async function drainExactly(s: Socket, n: number): Promise<void> {
  const buf = new Uint8Array(256 * 1024)
  let got = 0
  await eventually(() => {
    for (;;) {
      try {
        const k = s.recv(buf)
        if (k === 0) return got >= n
        got += k
      } catch (err) {
        if (err instanceof WsmError && err.code === 'EWOULDBLOCK') return got >= n
        throw err
      }
    }
  }, `${n} bytes drained`)
  expect(got).toBe(n)
}

describe.each(MODELS)('fromNetworkEvents, %s', (model) => {
  it('FD_WRITE once; FD_READ again only after a recv that leaves data; FD_CLOSE (error 0) completes', async () => {
    const { client, peer } = await pair()
    const seen: NetworkEvent[] = []
    let completed = false
    fromNetworkEvents(peer, FD_READ | FD_WRITE | FD_CLOSE, { model }).subscribe({
      next: (e) => seen.push(e),
      complete: () => (completed = true),
    })
    await eventually(() => seen.length === 1, 'FD_WRITE')
    expect(seen).toEqual([{ event: FD_WRITE, error: 0 }])

    client.send(bytes('abc'))
    await eventually(() => seen.length === 2, 'FD_READ')
    client.send(bytes('def')) // no recv yet: FD_READ is not recorded again
    await settle()
    expect(seen.map((e) => e.event)).toEqual([FD_WRITE, FD_READ])

    const buf = new Uint8Array(2)
    expect(peer.recv(buf)).toBe(2) // data remains: FD_READ again
    await eventually(() => seen.length === 3, 'FD_READ after a recv that left data')
    expect(seen[2]).toEqual({ event: FD_READ, error: 0 })
    const rest = new Uint8Array(16)
    expect(peer.recv(rest)).toBe(4) // nothing remains: no FD_READ
    await settle()
    expect(seen).toHaveLength(3)

    client.close()
    await eventually(() => completed, 'the completion after FD_CLOSE')
    expect(seen.at(-1)).toEqual({ event: FD_CLOSE, error: 0 })
    expect(seen.filter((e) => e.event === FD_CLOSE)).toHaveLength(1)
  })

  it('FD_ACCEPT once while connections wait; again only after an accept() that leaves one queued', async () => {
    const listener = tcp()
    listener.bind(0, '127.0.0.1')
    listener.listen()
    const seen: NetworkEvent[] = []
    fromNetworkEvents(listener, FD_ACCEPT, { model }).subscribe((e) => seen.push(e))
    tcp().connect(listener.localPort, '127.0.0.1')
    await eventually(() => seen.length === 1, 'FD_ACCEPT')
    tcp().connect(listener.localPort, '127.0.0.1') // queued too, but no accept() yet: not recorded
    await settle()
    expect(seen).toEqual([{ event: FD_ACCEPT, error: 0 }])

    expect(track(listener.accept())).not.toBeNull() // one remains queued: FD_ACCEPT again
    await eventually(() => seen.length === 2, 'FD_ACCEPT after an accept that left a connection queued')
    expect(seen[1]).toEqual({ event: FD_ACCEPT, error: 0 })
    expect(track(listener.accept())).not.toBeNull() // none remains: nothing
    await settle()
    expect(seen).toHaveLength(2)

    tcp().connect(listener.localPort, '127.0.0.1') // re-enabled by the accepts: a new one is recorded
    await eventually(() => seen.length === 3, 'FD_ACCEPT for a new connection')
  })

  it('FD_WRITE again only after a send that failed with EWOULDBLOCK, once the peer makes room', async () => {
    const { client, peer } = await pair()
    const seen: NetworkEvent[] = []
    fromNetworkEvents(peer, FD_WRITE, { model }).subscribe((e) => seen.push(e))
    await eventually(() => seen.length === 1, 'the first FD_WRITE')
    expect(peer.send(bytes('fits'))).toBe(4) // a successful send: nothing re-enabled
    await drainExactly(client, 4)
    await settle()
    expect(seen).toHaveLength(1)

    // Fill until not a byte fits. On loopback the send buffer empties into the receiver's, so an
    // FD_WRITE may come (rightly: the EWOULDBLOCK re-enabled it and room came back) until both are full.
    let sent = 0
    for (let round = 0; ; round++) {
      expect(round).toBeLessThan(50)
      const before = seen.length
      const k = fillUntilBlocked(peer)
      sent += k
      await settle()
      if (k === 0 && seen.length === before) break
    }
    expect(seen.every((e) => e.event === FD_WRITE && e.error === 0)).toBe(true)
    const beforeRoom = seen.length
    await drainExactly(client, sent)
    await eventually(() => seen.length === beforeRoom + 1, 'FD_WRITE once the peer made room')
    await settle()
    expect(seen).toHaveLength(beforeRoom + 1) // once
  })

  it('FD_CONNECT carries the refusal (10061)', async () => {
    const s = tcp()
    const events = valuesOf(fromNetworkEvents(s, FD_CONNECT, { model }).pipe(take(1)), 'FD_CONNECT')
    s.connect(closedPort(), '127.0.0.1')
    expect(await events).toEqual([{ event: FD_CONNECT, error: 10061 }])
  })

  it('take(1) tears down: the socket is deselected and can be selected again', async () => {
    const { client, peer } = await pair()
    expect(await valuesOf(fromNetworkEvents(peer, FD_WRITE, { model }).pipe(take(1)), 'FD_WRITE')).toEqual([{ event: FD_WRITE, error: 0 }])
    client.send(bytes('x'))
    const again = await valuesOf(fromNetworkEvents(peer, FD_READ, { model }).pipe(take(1)), 'FD_READ of a new subscription')
    expect(again).toEqual([{ event: FD_READ, error: 0 }])
  })

  it('a newer subscription for the socket completes the older one and keeps the selection', async () => {
    const { client, peer } = await pair()
    let olderCompleted = false
    const older = fromNetworkEvents(peer, FD_READ, { model }).subscribe({ complete: () => (olderCompleted = true) })
    const newer = valuesOf(fromNetworkEvents(peer, FD_READ, { model }).pipe(take(1)), 'FD_READ of the newer one')
    expect(olderCompleted).toBe(true)
    expect(older.closed).toBe(true)
    client.send(bytes('y'))
    expect(await newer).toEqual([{ event: FD_READ, error: 0 }])
  })

  it('a closed socket: an error notification with the WsmError code, on subscribe', async () => {
    const s = Socket.tcp()
    s.close()
    const events$ = fromNetworkEvents(s, FD_READ, { model }) // validated now, selected on subscribe
    const err = await errorOf(events$, 'the error')
    expect(err).toMatchObject({ name: 'WsmError', code: 'ENOTSOCK' })
  })
})

describe('fromNetworkEvents arguments', () => {
  it('are checked when called: a coded TypeError', () => {
    const s = tcp()
    for (const bad of [{}, null, Object.create(Socket.prototype)]) {
      expect(() => fromNetworkEvents(bad as never, FD_READ)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }))
    }
    expect(() => fromNetworkEvents(s, '1' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }))
    for (const mask of [0, 64, 1.5]) {
      expect(() => fromNetworkEvents(s, mask)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
    }
    expect(() => fromNetworkEvents(s, FD_READ, { model: 'select' as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }))
    expect(() => fromNetworkEvents(s, FD_READ, 'event-select' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }))
  })
})
