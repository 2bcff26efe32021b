// Helpers for the driver suites: the models to run them over, and bounded waits on a Connection.
import { afterEach } from 'vitest'
import { MODELS, connect, listen, type Connection, type Listener, type Model } from '../../lib/index.js'
import { expectNoFdLeaks } from './fds.js'
import { within } from './time.js'

/** Every model: each has a driver, and the driver suites run over all of them. */
export const DRIVER_MODELS: readonly Model[] = MODELS

/** The call a driver's connect() failures name: ConnectEx for the completion-based models, connect for the readiness ones. */
export function connectSyscall(model: Model): string {
  return model === 'select' || model === 'async-select' || model === 'event-select' ? 'connect' : 'ConnectEx'
}

/**
 * An echo listener (owned): every connection sends back what it gets, pausing while its own
 * writes wait for 'drain', and ends when the peer ends.
 */
export function echoListener(model: Model, host = '127.0.0.1'): Listener {
  const l = own(listen({ model, host }))
  l.on('connection', (c) => {
    own(c) // destroyed after the test, should it still be open
    c.on('data', (d) => {
      if (!c.write(d)) {
        c.pause()
        c.once('drain', () => c.resume())
      }
    })
    c.on('end', () => c.end())
  })
  return l
}

/** Every byte `c` receives until the peer's FIN, bounded in time. */
export function receiveAll(c: Connection, what: string, ms?: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  c.on('data', (d) => chunks.push(d))
  return within(
    new Promise<Buffer>((resolve, reject) => {
      c.once('end', () => resolve(Buffer.concat(chunks)))
      c.once('error', reject)
    }),
    what,
    ms,
  )
}

/**
 * The arguments of the next `event` of `emitter`, bounded in time. Unlike events.once, an 'error'
 * meanwhile does not reject it (a test that expects 'error' then 'close' waits for both).
 */
export function next<T extends unknown[]>(emitter: NodeJS.EventEmitter, event: string, ms?: number): Promise<T> {
  return within(new Promise<T>((resolve) => emitter.once(event, (...args: unknown[]) => resolve(args as T))), `'${event}'`, ms)
}

/** Whether `event` comes within `ms`. */
export function comes(emitter: NodeJS.EventEmitter, event: string, ms: number): Promise<boolean> {
  return next(emitter, event, ms).then(
    () => true,
    () => false,
  )
}

const owned = new Set<Connection | Listener>()

/** Registers `x` to be destroyed (a Connection) or closed (a Listener) after the test; returns it. */
export function own<T extends Connection | Listener>(x: T): T {
  owned.add(x)
  return x
}

function closeOwned(): void {
  for (const x of owned) {
    if ('destroy' in x) x.destroy()
    else x.close()
  }
  owned.clear()
}

/** Closes what own() registered after each test, and checks that the file leaves no descriptor open. */
export function useDriverCleanup(): void {
  afterEach(closeOwned)
  expectNoFdLeaks(closeOwned)
}

/** A connection of `model`'s driver over loopback and its accepted end, both owned by the test (the listener too). */
export async function connectedPair(model: Model): Promise<[client: Connection, server: Connection]> {
  const l = own(listen({ model, host: '127.0.0.1' }))
  const accepted = next<[Connection]>(l, 'connection')
  const c = own(await connect({ model, port: l.address().port, host: '127.0.0.1' }))
  const [s] = await accepted
  return [c, own(s)]
}
