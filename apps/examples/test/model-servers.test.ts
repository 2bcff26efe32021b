import net from 'node:net'
import * as core from '@wsm/core-native'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAsyncSelectServer } from '../src/async-select-server.js'
import { startCompletionRoutineServer } from '../src/completion-routine-server.js'
import { runEchoClient } from '../src/echo-client.js'
import type { EchoServer } from '../src/echo-server.js'
import { startEventSelectServer } from '../src/event-select-server.js'
import { startIocpServer } from '../src/iocp-server.js'
import { startOverlappedEventServer } from '../src/overlapped-event-server.js'
import { warmUpCore } from '../../../test-support/warm-up-core.js'
import { openFds, waitFor } from './helpers/wait.js'

const servers: Array<[string, () => EchoServer]> = [
  ['WSAAsyncSelect', () => startAsyncSelectServer()],
  ['WSAEventSelect', () => startEventSelectServer()],
  ['completion port', () => startIocpServer()],
  ['overlapped I/O with events', () => startOverlappedEventServer()],
  ['overlapped I/O with completion routines', () => startCompletionRoutineServer()],
]

describe.each(servers)('%s echo server', (_name, start) => {
  let fdsBefore = 0
  beforeAll(() => {
    warmUpCore(core) // the core's lifelong descriptors exist before counting
    fdsBefore = openFds()
  })
  afterAll(async () => {
    await new Promise((r) => setTimeout(r, 20))
    expect(openFds()).toBe(fdsBefore)
  })

  it('echoes short messages and 1 MiB intact for several clients at once', async () => {
    const server = start()
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => runEchoClient(server.port, '127.0.0.1', `c${i}`, [`hello ${i}`, `again ${i}`], i === 0 ? 1 << 20 : 0, () => {})),
    )
    expect(results.every((r) => r.ok)).toBe(true)
    await waitFor(() => server.stats.closed === 8)
    expect(server.stats.accepted).toBe(8)
    await server.close()
  })

  it('serves more connections than one wait can hold (64)', async () => {
    const server = start()
    const results = await Promise.all(
      Array.from({ length: 150 }, (_, i) => runEchoClient(server.port, '127.0.0.1', `c${i}`, [`m${i}`], 0, () => {})),
    )
    expect(results.filter((r) => r.ok)).toHaveLength(150)
    await waitFor(() => server.stats.closed === 150)
    await server.close()
  })

  it('survives a client that resets mid-transfer', async () => {
    const server = start()
    const rude = net.connect(server.port, '127.0.0.1')
    await new Promise((r) => rude.once('connect', r))
    rude.on('error', () => {})
    rude.write(Buffer.alloc(256 * 1024, 1))
    await waitFor(() => server.stats.accepted === 1)
    rude.resetAndDestroy()
    await waitFor(() => server.stats.closed === 1)
    const polite = await runEchoClient(server.port, '127.0.0.1', 'after', ['still there?'], 0, () => {})
    expect(polite.ok).toBe(true)
    await server.close()
  })

  it('close() ends the server and the connections it holds', async () => {
    const server = start()
    const client = net.connect(server.port, '127.0.0.1')
    await new Promise((r) => client.once('connect', r))
    await waitFor(() => server.stats.accepted === 1)
    const ended = new Promise((r) => client.once('close', r))
    await server.close()
    await expect(server.done).resolves.toBeUndefined()
    await ended
  })
})
