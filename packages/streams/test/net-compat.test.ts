// The compatibility table: the same exchange run over node:net and over our Socket and Server,
// with the events each side sees recorded in order. They must match, event for event.
import net from 'node:net'
import type { Duplex } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { connect, createServer } from '../src/index.js'
import { ALL_MODELS, within } from './helpers/sockets.js'

type Side = Duplex // net.Socket and our Socket both are
const EVENTS = ['connect', 'ready', 'data', 'end', 'finish', 'error', 'close', 'timeout', 'drain']

function record(socket: NodeJS.EventEmitter, into: string[]): void {
  for (const e of EVENTS) {
    socket.on(e, (arg: unknown) => {
      if (e === 'data') into.push(`data ${String(arg)}`)
      else if (e === 'close') into.push(`close ${String(arg)}`)
      else if (e === 'error') into.push(`error ${(arg as NodeJS.ErrnoException).code}`)
      else into.push(e)
    })
  }
}

interface Api {
  createServer(onConnection: (s: Side) => void): { listen(port: number, host: string, cb: () => void): unknown; address(): unknown; close(cb: () => void): unknown }
  connect(port: number, host: string): Side
}

/**
 * The client writes 'ping' and, with allowHalfOpen false on both sides, the server answers 'pong'
 * and ends; the client's end follows the server's by itself. Then the same with the client ending first.
 */
async function exchange(api: Api, clientEndsFirst: boolean): Promise<{ client: string[]; server: string[] }> {
  const client: string[] = []
  const server: string[] = []
  let serverClosed!: () => void
  const serverSide = new Promise<void>((r) => (serverClosed = r))
  const srv = api.createServer((s) => {
    record(s, server)
    s.on('close', () => serverClosed())
    s.once('data', () => {
      if (clientEndsFirst) s.write('pong')
      else s.end('pong')
    })
  })
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const { port } = srv.address() as { port: number }
  const c = api.connect(port, '127.0.0.1')
  record(c, client)
  const clientClosed = new Promise<void>((r) => c.on('close', () => r()))
  c.once('connect', () => {
    if (clientEndsFirst) c.once('data', () => c.end())
    c.write('ping')
  })
  await within(Promise.all([clientClosed, serverSide]), 'both sockets closed')
  await new Promise<void>((r) => srv.close(r))
  return { client, server }
}

const nodeNet: Api = {
  createServer: (f) => net.createServer((s) => f(s)),
  connect: (port, host) => net.connect(port, host),
}

describe.each(ALL_MODELS)('event order beside net.Socket (%s)', (model) => {
  const ours: Api = {
    createServer: (f) => createServer({ model }, (s) => f(s)),
    connect: (port, host) => connect({ port, host, model }),
  }

  it('the server ends first', async () => {
    const expected = await exchange(nodeNet, false)
    expect(expected.client).toEqual(['connect', 'ready', 'data pong', 'end', 'finish', 'close false'])
    expect(await exchange(ours, false)).toEqual(expected)
  })

  it('the client ends first', async () => {
    const expected = await exchange(nodeNet, true)
    expect(await exchange(ours, true)).toEqual(expected)
  })
})
