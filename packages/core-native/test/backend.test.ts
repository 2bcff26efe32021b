// backend(): which engine serves the process, and WSM_BACKEND forcing it (CI runs every file under
// WSM_BACKEND=epoll and WSM_BACKEND=io_uring).
import { describe, expect, it } from 'vitest'
import { WsmError, backend } from '../lib/index.js'
import { expectNoFdLeaks } from './helpers/fds.js'

expectNoFdLeaks()

describe('backend()', () => {
  it('serves the engine WSM_BACKEND asks for (or refuses with a WsmError), the same on every call', () => {
    const forced = process.env.WSM_BACKEND
    let chosen: string | WsmError
    try {
      chosen = backend()
    } catch (e) {
      chosen = e as WsmError
    }
    if (typeof chosen !== 'string') {
      // Only forcing io_uring where the kernel forbids it may fail, and then loudly, never by
      // silently serving epoll.
      expect(forced).toBe('io_uring')
      expect(chosen).toBeInstanceOf(WsmError)
    } else {
      if (forced === 'epoll' || forced === 'io_uring') expect(chosen).toBe(forced)
      else expect(['io_uring', 'epoll']).toContain(chosen)
      expect(backend()).toBe(chosen)
    }
  })
})
