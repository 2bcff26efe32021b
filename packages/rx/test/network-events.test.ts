// fromNetworkEvents: one socket's WSAEventSelect / WSAAsyncSelect events as values, with
// Winsock's re-enabling rules intact (the subscriber's recv re-enables FD_READ, and only while
// data remains), teardown that deselects the socket, and core errors as error notifications.
import { FD_CLOSE, FD_CONNECT, FD_READ, FD_WRITE, Socket } from '@wsm/core-native'
import { take } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { fromNetworkEvents, type NetworkEvent, type NetworkEventModel } from '../src/index.js'
import { closedPort, pair, tcp, useSocketCleanup } from './helpers/sockets.js'
import { errorOf, eventually, valuesOf } from './helpers/wait.js'

useSocketCleanup()

const MODELS: readonly NetworkEventModel[] = ['event-select', 'async-select']
// Long enough for an event that is due to be recorded and delivered on loopback.
const SETTLE_MS = 80
const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS))
const bytes = (text: string) => new TextEncoder().encode(text)

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
