// listen$, connect$ and RxConnection: an echo server of mergeMap keeps every byte; a receive side
// abandoned mid-stream, or a connect$ unsubscribed while connecting, destroys its connection and
// leaves no descriptor; core errors arrive as error notifications; a connection has one consumer;
// listen$'s teardown closes only the listener.
import { createHash, randomBytes } from 'node:crypto'
import { MODELS } from '@wsm/core-native'
import { EMPTY, catchError, concat, concatMap, finalize, forkJoin, ignoreElements, map, merge, mergeMap, reduce, take, timeout } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { connect$, type RxConnection } from '../src/index.js'
import { served, useServerCleanup } from './helpers/connections.js'
import { fdBaseline, openFdCount } from './helpers/fds.js'
import { errorOf, eventually, firstOf, valuesOf, within } from './helpers/wait.js'

useServerCleanup()

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
const HOST = '127.0.0.1'

/** The echo: every chunk written back (one write at a time), then our FIN after the peer's. */
const echo = (c: RxConnection) => concat(c.data$.pipe(concatMap((chunk) => c.write(chunk))), c.end())

/** Sends `payload`, ends, and collects what comes back until the server's FIN. */
function exchange(port: number, payload: Uint8Array, model?: (typeof MODELS)[number]) {
  return connect$({ port, host: HOST, model }).pipe(
    mergeMap((c) => merge(concat(c.write(payload), c.end()).pipe(ignoreElements()), c.data$)),
    reduce((chunks, chunk) => [...chunks, chunk], [] as Buffer[]),
    map((chunks) => Buffer.concat(chunks)),
  )
}

describe('an echo server of listen$ and mergeMap', () => {
  it('passes 100 connections x 64 KiB intact (sha256)', async () => {
    const { port } = await served(echo)
    const payloads = Array.from({ length: 100 }, () => randomBytes(64 * 1024))
    const echoed = await within(
      new Promise<Buffer[]>((resolve, reject) => forkJoin(payloads.map((p) => exchange(port, p))).subscribe({ next: resolve, error: reject })),
      'the 100 echoes',
      20_000,
    )
    expect(echoed.map(sha256)).toEqual(payloads.map(sha256))
  })

  it.each(MODELS.filter((m) => m !== 'iocp'))('works the same over the %s driver (10 connections)', async (model) => {
    const { port } = await served(echo, model)
    const payloads = Array.from({ length: 10 }, () => randomBytes(64 * 1024))
    const echoed = await within(
      new Promise<Buffer[]>((resolve, reject) => forkJoin(payloads.map((p) => exchange(port, p, model))).subscribe({ next: resolve, error: reject })),
      'the echoes',
      10_000,
    )
    expect(echoed.map(sha256)).toEqual(payloads.map(sha256))
  })
})

describe('teardown', () => {
  it('take(n) of data$ completes and destroys the connection mid-stream; no descriptor is left', async () => {
    const before = fdBaseline()
    const serverSaw: string[] = []
    const chunk = Buffer.alloc(16 * 1024, 1)
    // The server streams until the client goes, then closes its side.
    const stream = (c: RxConnection) => {
      const pump = () => {
        while (!c.connection.destroyed && c.connection.write(chunk));
      }
      c.connection.on('drain', pump)
      pump()
      return c.data$.pipe(
        catchError((err: { code: string }) => (serverSaw.push(err.code), EMPTY)),
        finalize(() => {
          serverSaw.push('done')
          c.connection.destroy()
        }),
      )
    }
    const { port, subscription } = await served(stream)
    const got = await valuesOf(connect$({ port, host: HOST }).pipe(mergeMap((c) => c.data$), take(3)), 'three chunks')
    expect(got).toHaveLength(3)
    await eventually(() => serverSaw.includes('done'), "the server's side to end")
    subscription.unsubscribe()
    await eventually(() => openFdCount() === before, 'every descriptor to be closed')
  })

  it('connect$ unsubscribed while connecting: the connection, once made, is destroyed; no descriptor is left', async () => {
    let serverSawEnd!: () => void
    const ended = new Promise<void>((resolve) => (serverSawEnd = resolve))
    const close = (c: RxConnection) =>
      c.data$.pipe(
        finalize(() => {
          c.connection.destroy()
          serverSawEnd()
        }),
      )
    const { port } = await served(close)
    const before = fdBaseline()
    connect$({ port, host: HOST }).subscribe().unsubscribe()
    await within(ended, "the server's end of the connection", 3000)
    await eventually(() => openFdCount() === before, 'every descriptor to be closed')
  })
})

describe('timing compositions over a connection', () => {
  it('an idle timeout: data$.pipe(timeout) errors with a TimeoutError and destroys the connection; the peer sees the end', async () => {
    let peerEnded!: () => void
    const peerSawEnd = new Promise<void>((resolve) => (peerEnded = resolve))
    const { port } = await served((c) => c.data$.pipe(finalize(() => peerEnded())))
    const client = await firstOf(connect$({ port, host: HOST }), 'the connection')
    const started = Date.now()
    const err = await errorOf(client.data$.pipe(timeout({ each: 50 })), 'the time-out')
    expect(err.name).toBe('TimeoutError')
    expect(Date.now() - started).toBeGreaterThanOrEqual(45)
    expect(client.connection.destroyed).toBe(true)
    await within(peerSawEnd, "the peer's end")
  })
})
