import { native } from './binding.js'
import { invalidArgument, systemError } from './errors.js'

export type Backend = 'io_uring' | 'epoll' | 'iocp'

let chosen: Backend | undefined

/**
 * The completion engine serving this process: io_uring where the kernel allows it, else the epoll
 * reactor. `WSM_BACKEND=io_uring|epoll` forces one; forcing io_uring where the kernel forbids it
 * is an error (ENOSYS, EPERM), not a silent fallback, so a test run never measures the wrong engine.
 */
export function backend(): Backend {
  if (chosen) return chosen
  if (process.platform === 'win32') return (chosen = 'iocp')
  const forced = process.env.WSM_BACKEND
  if (forced !== undefined && forced !== '' && forced !== 'io_uring' && forced !== 'epoll') {
    throw invalidArgument('backend', `WSM_BACKEND must be "io_uring" or "epoll", not "${forced}"`)
  }
  if (forced === 'epoll') return (chosen = 'epoll')
  const err = native.probeIoUring()
  if (err === 0) return (chosen = 'io_uring')
  if (forced === 'io_uring') throw systemError(err, 'io_uring_setup', 'WSM_BACKEND=io_uring, but this kernel refuses io_uring')
  return (chosen = 'epoll')
}
