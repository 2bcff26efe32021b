// Helpers for the driver suites: the models to run them over, and bounded waits on a Connection.
import { IMPLEMENTED_MODELS, type Connection, type Model } from '../../lib/index.js'
import { within } from './time.js'

/** Every model with a driver: each driver joins the suites by joining IMPLEMENTED_MODELS. */
export const DRIVER_MODELS: readonly Model[] = IMPLEMENTED_MODELS

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
