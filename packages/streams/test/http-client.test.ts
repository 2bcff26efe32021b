// node:http's client on our sockets: http.request({ createConnection }) and a keep-alive Agent
// whose createConnection is ours, against node's own http server (so a failure is the client's).
import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { connect, type ConnectOptions } from '../src/index.js'
import { ALL_MODELS, within } from './helpers/http.js'
import { TCP_TIMER, tcpTimer } from './helpers/tcp-timer.js'

/** node's http server on 127.0.0.1 answering with the url, and the remote ports it was reached from. */
async function nodeHttpServer(): Promise<{ server: http.Server; port: number; remotePorts: Set<number> }> {
  const remotePorts = new Set<number>()
  const server = http.createServer((req, res) => {
    remotePorts.add(req.socket.remotePort!)
    res.end(`got ${req.url}`)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { server, port: (server.address() as AddressInfo).port, remotePorts }
}

/** The response to `options` and its body, with `req.reusedSocket`. */
function get(options: http.RequestOptions): Promise<{ status: number; body: string; reused: boolean }> {
  return within(
    new Promise((resolve, reject) => {
      const req = http.get(options, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', () => resolve({ status: res.statusCode!, body, reused: req.reusedSocket }))
      })
      req.on('error', reject)
    }),
    `GET ${options.path}`,
  )
}

async function stop(server: http.Server): Promise<void> {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
}

describe.each(ALL_MODELS)('http client over our sockets (%s)', (model) => {
  it('http.request({ createConnection }) connects one of our sockets', async () => {
    const { server, port, remotePorts } = await nodeHttpServer()
    let socketPort: number | undefined
    const res = await get({
      host: '127.0.0.1',
      port,
      path: '/direct',
      createConnection: (options: object) => {
        const socket = connect({ ...(options as ConnectOptions), model })
        socket.once('connect', () => (socketPort = socket.localPort))
        return socket as never
      },
    })
    expect(res).toEqual({ status: 200, body: 'got /direct', reused: false })
    expect([...remotePorts]).toEqual([socketPort])
    await stop(server)
  })

  it('a keep-alive Agent reuses our socket (setKeepAlive, unref, ref and setTimeout as it calls them)', async () => {
    const { server, port, remotePorts } = await nodeHttpServer()
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1, timeout: 5000 })
    const made: string[] = []
    Object.assign(agent, {
      createConnection: (options: ConnectOptions, onCreate: () => void) => {
        made.push(`${options.host}:${options.port}`)
        return connect({ ...options, model }, onCreate)
      },
    })
    const first = await get({ host: '127.0.0.1', port, path: '/1', agent })
    const second = await get({ host: '127.0.0.1', port, path: '/2', agent })
    expect([first, second]).toEqual([
      { status: 200, body: 'got /1', reused: false },
      { status: 200, body: 'got /2', reused: true },
    ])
    expect(made).toEqual([`127.0.0.1:${port}`])
    expect(remotePorts.size).toBe(1)
    const [free] = Object.values(agent.freeSockets).flat()
    // The Agent's keep-alive (its connect options, then setKeepAlive(true, keepAliveMsecs) on the
    // free socket) reached the kernel: it runs the keepalive timer, first probe after 1 s.
    const timer = tcpTimer(free!.localPort!, port)
    expect(timer?.kind).toBe(TCP_TIMER.keepalive)
    expect(timer?.seconds).toBeLessThanOrEqual(1)
    // The Agent's idle timeout (its own, or the server's Keep-Alive hint less a margin), through our setTimeout.
    expect(free?.timeout).toBeGreaterThan(0)
    expect(free?.timeout).toBeLessThanOrEqual(5000)
    agent.destroy()
    await stop(server)
  })
})
