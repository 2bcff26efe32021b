import { native } from './binding.js'

export type Backend = 'io_uring' | 'epoll' | 'iocp'

/**
 * The completion engine serving this process: io_uring where the kernel allows it, else the epoll
 * reactor. `WSM_BACKEND=io_uring|epoll` forces one; forcing io_uring where the kernel (or this
 * build) cannot give it is an error (a WsmError), not a silent fallback, so a test run never
 * measures the wrong engine.
 */
export function backend(): Backend {
  return native.ioBackend()
}
