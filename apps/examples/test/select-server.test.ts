import net from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runEchoClient } from '../src/echo-client.js'
import { startSelectServer } from '../src/select-server.js'
import { openFds, waitFor } from './helpers/wait.js'

const settle = () => new Promise((r) => setTimeout(r, 20))

describe('select echo server', () => {
  let fdsBefore = 0
  beforeAll(() => {
    fdsBefore = openFds()
  })
  afterAll(async () => {
    await settle()
    expect(openFds()).toBe(fdsBefore)
  })

  it('echoes messages and a bulk transfer intact, then closes half-closed clients', async () => {
    const server = startSelectServer()
    const results = await Promise.all([
      runEchoClient(server.port, '127.0.0.1', 'a', ['one', 'two'], 2 * 1024 * 1024, () => {}),
      runEchoClient(server.port, '127.0.0.1', 'b', ['three'], 0, () => {}),
    ])
    expect(results.map((r) => r.ok)).toEqual([true, true])
    await waitFor(() => server.stats.closed === 2)
    expect(server.stats.bytesEchoed).toBe(2 * 1024 * 1024 + 'one'.length + 'two'.length + 'three'.length)
    await server.close()
  })

  it('serves more clients than FD_SETSIZE by accepting only while the sets have room', async () => {
    const server = startSelectServer()
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => runEchoClient(server.port, '127.0.0.1', `c${i}`, [`hi ${i}`], 0, () => {})),
    )
    expect(results.filter((r) => r.ok)).toHaveLength(100)
    await waitFor(() => server.stats.closed === 100)
    expect(server.stats.accepted).toBe(100)
    await server.close()
  })

  it('survives a client that resets mid-transfer', async () => {
    const server = startSelectServer()
    const rude = net.connect(server.port, '127.0.0.1')
    await new Promise((r) => rude.once('connect', r))
    rude.write(Buffer.alloc(512 * 1024, 7))
    await settle()
    rude.resetAndDestroy()
    await waitFor(() => server.stats.closed === 1)
    const polite = await runEchoClient(server.port, '127.0.0.1', 'after', ['still there?'], 0, () => {})
    expect(polite.ok).toBe(true)
    await server.close()
  })

  it('close() ends the loop and the connections it holds', async () => {
    const server = startSelectServer()
    const client = net.connect(server.port, '127.0.0.1')
    await new Promise((r) => client.once('connect', r))
    await waitFor(() => server.stats.accepted === 1)
    const ended = new Promise((r) => client.once('close', r))
    await server.close()
    await expect(server.done).resolves.toBeUndefined()
    await ended
  })
})
