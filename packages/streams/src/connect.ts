// connect() / createConnection() and createServer(), with net's signatures.
import { Server, type ServerOptions } from './server.js'
import { Socket, type SocketConnectOptions, type SocketOptions } from './socket.js'
import { splitArgs } from './args.js'

export type ConnectOptions = SocketOptions & SocketConnectOptions

/**
 * A new Socket connecting to `port` on `host`: `connect(options, listener?)` or
 * `connect(port, host?, listener?)`, as net.connect. `options.model` picks the driver.
 */
export function connect(options: ConnectOptions, connectListener?: () => void): Socket
export function connect(port: number | string, host?: string, connectListener?: () => void): Socket
export function connect(port: number | string, connectListener?: () => void): Socket
export function connect(...args: unknown[]): Socket {
  const { options } = splitArgs(args, ['port', 'host'])
  const socket = new Socket(options as SocketOptions)
  return socket.connect(...(args as [SocketConnectOptions]))
}

/** The same as connect(), as net names it too. */
export const createConnection = connect

/** A new Server; `connectionListener` is added to 'connection'. */
export function createServer(options?: ServerOptions | ((socket: Socket) => void), connectionListener?: (socket: Socket) => void): Server {
  return new Server(options, connectionListener)
}
