// The rx chat bot against a plain Node `net` server (an independent peer that can refuse, end and
// reset at will): it connects once the server is up (retry after ECONNREFUSED), greets on each
// connection, reports the lines it hears, connects again after the server's FIN (repeat) and after
// a reset (retry), and unsubscribing it leaves no descriptor.
import { once } from 'node:events'
import net from 'node:net'
import * as core from '@wsm/core-native'
import { afterEach, describe, expect, it } from 'vitest'
import { warmUpCore } from '../../../test-support/warm-up-core.js'
import { rxChatBot$, type RxChatBotEvent } from '../src/rx-chat-bot.js'
import { openFds, waitFor } from './helpers/wait.js'

const servers: net.Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

async function freePort(): Promise<number> {
  const s = net.createServer().listen(0, '127.0.0.1')
  await once(s, 'listening')
  const { port } = s.address() as net.AddressInfo
  await new Promise((r) => s.close(r))
  return port
}

describe('the rx chat bot', () => {
  it('connects once the server is up, and again after the server ends or resets the connection', async () => {
    warmUpCore(core)
    const fdsBefore = openFds()
    const port = await freePort()
    const events: RxChatBotEvent[] = []
    const errors: unknown[] = []
    const bot = rxChatBot$({ port, name: 'robo', reconnect: { count: 50, firstDelayMs: 10, maxDelayMs: 40 } }).subscribe({
      next: (e) => events.push(e),
      error: (err) => errors.push(err),
    })
    await new Promise((r) => setTimeout(r, 100)) // refused meanwhile: several attempts, no error
    expect(events).toEqual([])
    expect(errors).toEqual([])

    const sockets: net.Socket[] = []
    const greetings: string[] = []
    const server = net.createServer((s) => {
      sockets.push(s)
      s.setEncoding('utf8').on('data', (text: string) => greetings.push(text))
      s.on('error', () => {})
    })
    servers.push(server)
    server.listen(port, '127.0.0.1')
    await waitFor(() => greetings.join('') === 'robo is here\n')
    sockets[0]!.write('hi robo\n')
    await waitFor(() => events.length === 2)
    expect(events).toEqual([{ kind: 'connected' }, { kind: 'heard', line: 'hi robo' }])

    sockets[0]!.end() // the server's FIN: the bot ends its side and connects again
    await waitFor(() => sockets.length === 2 && greetings.join('') === 'robo is here\n'.repeat(2))
    sockets[1]!.resetAndDestroy() // a reset: ECONNRESET, retried
    await waitFor(() => sockets.length === 3 && greetings.join('') === 'robo is here\n'.repeat(3))
    expect(events.filter((e) => e.kind === 'connected')).toHaveLength(3)
    expect(errors).toEqual([])

    bot.unsubscribe() // closes the bot's connection: the server's socket closes too
    await waitFor(() => sockets.every((s) => s.closed))
    await new Promise((r) => server.close(r))
    await waitFor(() => openFds() === fdsBefore)
  })

  it('gives up after count refusals in a row, with ECONNREFUSED', async () => {
    const port = await freePort()
    const started = Date.now()
    const err = await new Promise((resolve) =>
      rxChatBot$({ port, reconnect: { count: 3, firstDelayMs: 10, maxDelayMs: 20 } }).subscribe({ error: resolve }),
    )
    expect(err).toMatchObject({ name: 'WsmError', code: 'ECONNREFUSED' })
    expect(Date.now() - started).toBeGreaterThanOrEqual(10 + 20 + 20 - 5) // the three waits
  })
})
