// Shared by the socket suites: the models to run over, a listening server on 127.0.0.1, and
// bounded waits (a test that hangs fails with what it waited for instead).
import { once } from 'node:events'
import { MODELS, type Model } from '@wsm/core-native'
import { connect, createServer, type Server, type ServerOptions, type Socket } from '../../src/index.js'

export const ALL_MODELS: readonly Model[] = MODELS

/** `promise`, or a rejection naming `what` after `ms`. */
export function within<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** The arguments of the next `event`; an 'error' meanwhile does not reject (unlike events.once). */
export function next<T extends unknown[] = unknown[]>(emitter: NodeJS.EventEmitter, event: string, ms?: number): Promise<T> {
  return within(new Promise<T>((resolve) => emitter.once(event, (...args: unknown[]) => resolve(args as T))), `'${event}'`, ms)
}

/** A server of `model` listening on 127.0.0.1 at a port the kernel picks. */
export async function listening(model: Model, onConnection: (s: Socket) => void, options: ServerOptions = {}): Promise<{ server: Server; port: number }> {
  const server = createServer({ ...options, model }, onConnection)
  server.listen(0, '127.0.0.1')
  await within(once(server, 'listening'), "'listening'")
  return { server, port: server.address()!.port }
}

/** A client socket of `model` connected to `port`. */
export async function connected(model: Model, port: number, options: { allowHalfOpen?: boolean } = {}): Promise<Socket> {
  const socket = connect({ ...options, port, host: '127.0.0.1', model })
  await next(socket, 'connect')
  return socket
}

/** A server and the pair of sockets of one connection to it: the client's and the server's. */
export async function pair(model: Model, options: ServerOptions = {}, clientOptions: { allowHalfOpen?: boolean } = {}) {
  let accepted!: (s: Socket) => void
  const serverSide = new Promise<Socket>((resolve) => (accepted = resolve))
  const { server, port } = await listening(model, (s) => accepted(s), options)
  const client = await connected(model, port, clientOptions)
  const peer = await within(serverSide, "the server's socket")
  return { server, port, client, peer }
}

/** Closes the server and destroys what is left, waiting for its 'close'. */
export async function shutDown(server: Server, ...sockets: Socket[]): Promise<void> {
  for (const s of sockets) s.destroy()
  await within(new Promise<void>((resolve) => server.close(() => resolve())), "the server's 'close'")
}

/** Every byte a socket reads until its end. */
export async function readAll(socket: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of socket) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}
