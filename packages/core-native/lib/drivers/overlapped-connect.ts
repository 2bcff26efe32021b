// connect() of the completion-based drivers: ConnectEx, as the driver posts it, with a time-out.
import { systemError, type WsmError } from '../errors.js'
import { Socket } from '../socket.js'

const ETIMEDOUT = 110

/**
 * A new socket connected by `start(socket, done)` (which posts ConnectEx and calls `done` at its
 * completion). On failure or after `timeoutMs` (ETIMEDOUT), `forget()` is called and the socket
 * closed, and the promise rejects.
 */
export function connectOverlapped(
  family: 4 | 6,
  timeoutMs: number | undefined,
  start: (socket: Socket, done: (error: WsmError | null) => void) => void,
  forget: () => void,
): Promise<Socket> {
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
        settled = true
        if (timer) clearTimeout(timer)
        resolve(socket)
      })
    } catch (err) {
      fail(err)
      return
    }
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        if (!settled) fail(systemError(ETIMEDOUT, 'ConnectEx', `no connection within ${timeoutMs} ms`))
      }, timeoutMs)
    }
  })
}
