// Core errors reach RxJS as error notifications carrying the WsmError's code; bad arguments are
// coded TypeErrors thrown when called; a connection's receive side has one consumer.
import { Socket } from '@wsm/core-native'
import { EMPTY, concat, concatMap, defer, lastValueFrom, retry, take } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { connect$, listen$, type RxConnection } from '../src/index.js'
import { served, useServerCleanup } from './helpers/connections.js'
import { closedPort } from './helpers/sockets.js'
import { errorOf, firstOf, valuesOf, within } from './helpers/wait.js'

useServerCleanup()
const HOST = '127.0.0.1'

/** A server that hands its connections to the test, and a client connected to it. */
async function connectedPair(): Promise<{ client: RxConnection; peer: RxConnection }> {
  let accepted!: (c: RxConnection) => void
  const peer = new Promise<RxConnection>((resolve) => (accepted = resolve))
  const { port } = await served((c) => (accepted(c), EMPTY))
  const client = await firstOf(connect$({ port, host: HOST }), 'the connection')
  return { client, peer: await within(peer, 'the accepted connection') }
}

describe('core errors are error notifications with the WsmError code', () => {
  it('connect$ to a port where nothing listens: ECONNREFUSED', async () => {
    expect(await errorOf(connect$({ port: closedPort(), host: HOST }), 'the refusal')).toMatchObject({ name: 'WsmError', code: 'ECONNREFUSED' })
  })

  it('listen$ on a port in use: EADDRINUSE, on subscribe', async () => {
    const taken = Socket.tcp()
    taken.bind(0, HOST)
    taken.listen()
    try {
      const listen = listen$({ host: HOST, port: taken.localPort })
      expect(await errorOf(listen, 'the bind error')).toMatchObject({ name: 'WsmError', code: 'EADDRINUSE' })
    } finally {
      taken.close()
    }
  })

  it('a listeningObserver that throws: its error is the notification, and the listener is closed', async () => {
    let port = 0
    const failing = listen$({
      host: HOST,
      listeningObserver: {
        next: (a) => {
          port = a.port
          throw new Error('observer failed')
        },
      },
    })
    expect(await errorOf(failing, 'the observer’s error')).toMatchObject({ message: 'observer failed' })
    // A listener left open would hold the port (EADDRINUSE).
    const again = listen$({ host: HOST, port }).subscribe()
    expect(again.closed).toBe(false)
    again.unsubscribe()
  })

  it('data$ of a connection the peer reset: ECONNRESET', async () => {
    const { client, peer } = await connectedPair()
    // Closing with unread bytes sends a reset.
    await lastValueFrom(client.write(Buffer.from('unread')))
    await new Promise((r) => setTimeout(r, 20))
    peer.connection.destroy()
    expect(await errorOf(client.data$, 'the reset')).toMatchObject({ name: 'WsmError', code: 'ECONNRESET' })
  })

  it('write after end: EPIPE; write on a destroyed connection: EBADF', async () => {
    const { client } = await connectedPair()
    await lastValueFrom(concat(client.write(Buffer.from('a')), client.end()), { defaultValue: undefined })
    expect(await errorOf(client.write(Buffer.from('b')), 'the write after end')).toMatchObject({ code: 'EPIPE' })
    client.connection.destroy()
    expect(await errorOf(client.write(Buffer.from('c')), 'the write after destroy')).toMatchObject({ code: 'EBADF' })
  })
})

describe('one consumer per connection', () => {
  it('a second data$ or chunks() while one reads: ERR_INVALID_STATE; the first is unaffected', async () => {
    const { client, peer } = await connectedPair()
    const first = valuesOf(client.data$.pipe(take(1)), 'the first consumer')
    expect(await errorOf(client.data$, 'the second data$')).toMatchObject({ code: 'ERR_INVALID_STATE' })
    await expect(client.chunks().next()).rejects.toMatchObject({ code: 'ERR_INVALID_STATE' })
    await lastValueFrom(peer.write(Buffer.from('hi')))
    expect((await first).map(String)).toEqual(['hi'])
  })

  it('data$ after the end completes at once; bytes written before anyone read are not lost', async () => {
    const { client, peer } = await connectedPair()
    await lastValueFrom(concat(peer.write(Buffer.from('early')), peer.end()), { defaultValue: undefined })
    await new Promise((r) => setTimeout(r, 20))
    expect(Buffer.concat(await valuesOf(client.data$, 'the bytes')).toString()).toBe('early')
    expect(await valuesOf(client.data$, 'a second data$ after the end')).toEqual([])
  })

  it('chunks(): reads what arrived, and a break before the end destroys the connection', async () => {
    const { client, peer } = await connectedPair()
    await lastValueFrom(peer.write(Buffer.from('one')))
    for await (const chunk of client.chunks()) {
      expect(chunk.toString()).toBe('one')
      break
    }
    expect(client.connection.destroyed).toBe(true)
  })
})

describe('arguments are checked when called', () => {
  it('a coded TypeError', async () => {
    const { client } = await connectedPair()
    const cases: Array<[() => unknown, string]> = [
      [() => client.write('text' as never), 'ERR_INVALID_ARG_TYPE'],
      [() => client.write([Buffer.from('a'), 'b'] as never), 'ERR_INVALID_ARG_TYPE'],
      [() => client.chunks({ highWaterMark: 0 }), 'ERR_INVALID_ARG_VALUE'],
      [() => client.chunks({ maxChunk: 1.5 }), 'ERR_INVALID_ARG_VALUE'],
      [() => client.chunks(null as never), 'ERR_INVALID_ARG_TYPE'],
      [() => connect$({} as never), 'ERR_INVALID_ARG_TYPE'],
      [() => connect$({ port: 0 }), 'ERR_INVALID_ARG_VALUE'],
      [() => connect$({ port: 80, host: 'example.com' }), 'ERR_INVALID_ARG_VALUE'],
      [() => connect$({ port: 80, model: 'poll' as never }), 'ERR_INVALID_ARG_VALUE'],
      [() => listen$('3000' as never), 'ERR_INVALID_ARG_TYPE'],
      [() => listen$({ port: 70000 }), 'ERR_INVALID_ARG_VALUE'],
      [() => listen$({ reusePort: 1 as never }), 'ERR_INVALID_ARG_TYPE'],
      [() => listen$({ listeningObserver: (() => {}) as never }), 'ERR_INVALID_ARG_TYPE'],
    ]
    for (const [call, code] of cases) expect(call, call.toString()).toThrow(expect.objectContaining({ name: 'TypeError', code }))
  })
})

describe('listen$ and connect$ are cold', () => {
  it('nothing listens or connects before subscribe; unsubscribing listen$ closes the listener, open connections live on', async () => {
    let accepted = 0
    let port = 0
    const server$ = listen$({ host: HOST, listeningObserver: { next: (a) => (port = a.port) } })
    expect(port).toBe(0)
    let firstAccepted!: (c: RxConnection) => void
    const firstAccept = new Promise<RxConnection>((resolve) => (firstAccepted = resolve))
    const subscription = server$.subscribe((c) => (accepted++, firstAccepted(c)))
    expect(port).toBeGreaterThan(0)
    const connecting = connect$({ port, host: HOST })
    await new Promise((r) => setTimeout(r, 20))
    expect(accepted).toBe(0)
    const client = await firstOf(connecting, 'the connection')
    const peer = await within(firstAccept, 'the accept')
    expect(accepted).toBe(1)
    subscription.unsubscribe()
    expect(await errorOf(connect$({ port, host: HOST }), 'a connect after the listener closed')).toMatchObject({ code: 'ECONNREFUSED' })
    // The accepted connection still works: it echoes.
    peer.data$.pipe(concatMap((chunk) => peer.write(chunk))).subscribe()
    const echoed = valuesOf(client.data$.pipe(take(1)), 'the echo')
    await lastValueFrom(client.write(Buffer.from('still here')))
    expect((await echoed).map(String)).toEqual(['still here'])
  })

  it('connect$ with retry connects anew once a listener is there', async () => {
    const port = closedPort()
    let attempts = 0
    const connecting = firstOf(
      defer(() => {
        attempts++
        return connect$({ port, host: HOST })
      }).pipe(retry({ count: 40, delay: 25 })),
      'the connection after retries',
    )
    await new Promise((r) => setTimeout(r, 60))
    const server = listen$({ host: HOST, port }).subscribe((c) => c.connection.destroy())
    const client = await connecting
    expect(attempts).toBeGreaterThan(1)
    client.connection.destroy()
    server.unsubscribe()
  })
})
