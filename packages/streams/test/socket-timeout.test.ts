// setTimeout with net's semantics: 'timeout' after the idle time and nothing else (the socket stays
// open), refreshed by reads and by writes, turned off by 0, and its callback a 'timeout' listener.
// Every model; the tests wait on timers, not on the CPU, so the models run at once.
import { describe, expect, it } from 'vitest'
import { Socket } from '../src/index.js'
import { ALL_MODELS, next, pair, shutDown } from './helpers/sockets.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe.concurrent.each(ALL_MODELS)('Socket#setTimeout (%s)', (model) => {
  it("emits 'timeout' once idle, and nothing else: the socket stays open", async ({ expect }) => {
    const { server, client, peer } = await pair(model)
    const started = Date.now()
    const timedOut = new Promise<void>((resolve) => client.setTimeout(80, resolve))
    expect(client.timeout).toBe(80)
    await timedOut
    expect(Date.now() - started).toBeGreaterThanOrEqual(70)
    expect(client.destroyed).toBe(false)
    expect(client.writable).toBe(true)
    await shutDown(server, client, peer)
  })

  // Reads and writes each refresh it on their own: the activity comes every 50 ms for 400 ms, from
  // one side only, so a timer of 200 ms fires if that side does not refresh it.
  it.for(['reads', 'writes'] as const)('is refreshed by %s alone', async (activity, { expect }) => {
    const { server, client, peer } = await pair(model)
    peer.resume()
    client.resume()
    let timeouts = 0
    client.setTimeout(200, () => timeouts++)
    for (let i = 0; i < 8; i++) {
      await sleep(50)
      if (activity === 'reads') peer.write('ping')
      else client.write('pong')
    }
    expect(timeouts).toBe(0)
    await next(client, 'timeout', 2000)
    await shutDown(server, client, peer)
  })

  it('0 turns it off and removes the callback', async ({ expect }) => {
    const { server, client, peer } = await pair(model)
    let timeouts = 0
    const onTimeout = () => timeouts++
    client.setTimeout(50, onTimeout)
    client.setTimeout(0, onTimeout)
    expect(client.listenerCount('timeout')).toBe(0)
    // The peer's own 60 ms timeout, set after: by its 'timeout', the client's 50 ms would have fired.
    peer.setTimeout(60)
    await next(peer, 'timeout')
    expect(timeouts).toBe(0)
    await shutDown(server, client, peer)
  })

  it('set before connect, it counts from then and holds once connected', async ({ expect }) => {
    const { server, port, client, peer } = await pair(model)
    const socket = new Socket({ model }).setTimeout(60)
    socket.connect(port, '127.0.0.1')
    await next(socket, 'timeout', 2000)
    expect(socket.destroyed).toBe(false)
    await shutDown(server, socket, client, peer)
  })
})
