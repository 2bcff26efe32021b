// connect() of every driver: a new socket, connected the way the model does it (ConnectEx, or a
// non-blocking connect() and its FD_CONNECT or write-set notice), with a time-out.
import { systemError, type WsmError } from '../errors.js'
import { Socket, type SocketAddress } from '../socket.js'

const ETIMEDOUT = 110

export interface Connected {
  socket: Socket
  /** The peer's address, read once connected. */
  remote: SocketAddress
}

/**
 * A new socket connected by `start(socket, done)` (which starts the connect and calls `done` when it
 * is over). On failure or after `timeoutMs` (ETIMEDOUT), `forget()` is called and the socket
 * closed, and the promise rejects.
 */
export function connectSocket(
  family: 4 | 6,
  timeoutMs: number | undefined,
  /** The call a time-out is reported as: 'ConnectEx' or 'connect'. */
  syscall: string,
  start: (socket: Socket, done: (error: WsmError | null) => void) => void,
  forget: () => void,
): Promise<Connected> {
  return new Promise((resolve, reject) => {
    const socket = Socket.tcp({ family })
    let settled = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const fail = (err: unknown): void => {
      settled = true
      if (timer) clearTimeout(timer)
      forget()
      socket.close()
      reject(err)
    }
    try {
      start(socket, (error) => {
        if (settled) return
        if (error !== null) return fail(error)
        let remote: SocketAddress
        try {
          remote = socket.remote()
        } catch (err) {
          // ENOTCONN: the peer reset the connection before it could be read; the socket's error
          // (ECONNRESET) says so, as a failure of the driver's connect call
          // (test/drivers-connect-reset.test.ts).
          const reset = socket.getError()
          return fail(reset === null ? err : systemError(-reset.errno, syscall))
        }
        settled = true
        if (timer) clearTimeout(timer)
        resolve({ socket, remote })
      })
    } catch (err) {
      fail(err)
      return
    }
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        if (!settled) fail(systemError(ETIMEDOUT, syscall, `no connection within ${timeoutMs} ms`))
      }, timeoutMs)
    }
  })
}
