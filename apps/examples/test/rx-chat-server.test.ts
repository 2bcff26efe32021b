// The @wsm/rx chat server, driven by plain Node `net` clients (an independent peer): every line
// reaches every other client, lines split across packets included; a flooding client is cut to its
// limit while the others are heard; a client's FIN or reset ends only its session; close() ends
// every connection and the listener, leaving no descriptor.
import net from 'node:net'
import * as core from '@wsm/core-native'
import { afterEach, describe, expect, it } from 'vitest'
import { warmUpCore } from '../../../test-support/warm-up-core.js'
import { startRxChatServer, type RxChatServer } from '../src/rx-chat-server.js'
import { openFds, waitFor } from './helpers/wait.js'

interface Client {
  socket: net.Socket
  text: () => string
  closed: () => boolean
}

async function client(port: number): Promise<Client> {
  const socket = net.connect(port, '127.0.0.1')
  let text = ''
  let closed = false
  socket.setEncoding('utf8').on('data', (d: string) => (text += d))
  socket.on('error', () => {}).on('close', () => (closed = true))
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  return { socket, text: () => text, closed: () => closed }
}

let server: RxChatServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('the rx chat server', () => {
  // First: the select driver's wait loops of the later test close their descriptors in their own time.
  it('a client that resets ends only its session; close() ends the others and the listener, leaving no descriptor', async () => {
    warmUpCore(core)
    const fdsBefore = openFds()
    server = startRxChatServer()
    const port = server.port
    const [a, b, c] = await Promise.all([client(port), client(port), client(port)])
    await new Promise((r) => setTimeout(r, 30))
    a.socket.resetAndDestroy()
    await new Promise((r) => setTimeout(r, 30))
    b.socket.write('still on\n')
    await waitFor(() => c.text() === 'still on\n')
    await server.close()
    server = undefined
    await waitFor(() => b.closed() && c.closed())
    const refused = net.connect(port, '127.0.0.1')
    await new Promise<void>((resolve) => refused.on('error', () => resolve()))
    await waitFor(() => openFds() === fdsBefore)
  })

  for (const model of ['iocp', 'select'] as const) {
    it(`sends each line to every other client (${model} driver), lines split across packets too`, async () => {
      server = startRxChatServer({ model })
      const [a, b, c] = await Promise.all([client(server.port), client(server.port), client(server.port)])
      await new Promise((r) => setTimeout(r, 30)) // all three sessions accepted
      a.socket.write('hello\n')
      await waitFor(() => b.text() === 'hello\n' && c.text() === 'hello\n')
      b.socket.write('hi\nthe')
      await new Promise((r) => setTimeout(r, 10))
      b.socket.write('re\n')
      await waitFor(() => a.text() === 'hi\nthere\n' && c.text() === 'hello\nhi\nthere\n')
      expect(b.text()).toBe('hello\n') // nobody hears themselves
      for (const x of [a, b, c]) x.socket.end()
      await waitFor(() => a.closed() && b.closed() && c.closed())
    })
  }

  it('a client that floods is cut to its limit per period; the others are still heard', async () => {
    server = startRxChatServer({ floodLimit: { max: 3, perMs: 60_000 } })
    const [a, b, c] = await Promise.all([client(server.port), client(server.port), client(server.port)])
    await new Promise((r) => setTimeout(r, 30)) // all three sessions accepted
    a.socket.write('1\n2\n3\n4\n5\n')
    await waitFor(() => b.text() === '1\n2\n3\n')
    c.socket.write('me too\n') // c has a budget of its own
    await waitFor(() => b.text() === '1\n2\n3\nme too\n' && a.text() === 'me too\n')
    a.socket.write('6\n') // still a's period: dropped
    await new Promise((r) => setTimeout(r, 60))
    expect(c.text()).toBe('1\n2\n3\n')
    for (const x of [a, b, c]) x.socket.end()
    await waitFor(() => a.closed() && b.closed() && c.closed())
  })
})
