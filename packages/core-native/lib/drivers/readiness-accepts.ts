// A listener's accepts for the three readiness-based drivers (select, async-select, event-select):
// when the model says a connection is waiting (read set, FD_ACCEPT), accept() takes the waiting
// ones. Only how readiness is asked for and heard differs, and the driver passes that in.
import type { WsmError } from '../errors.js'
import type { Socket } from '../socket.js'
import type { ListenerSink } from './listener.js'

// Connections taken per notice: a burst of connects must not hold up the connections' own traffic.
const ACCEPTS_PER_NOTICE = 64
// After an accept failed (EMFILE, ENFILE, ENOBUFS: the connection stays queued and the listener
// stays readable), accepting resumes after this pause: at once, it would fail at once, in a loop
// that starves the process.
const ACCEPT_RETRY_MS = 100

export interface ReadinessAccepts {
  /** The model says connections are waiting (read set, FD_ACCEPT). */
  acceptable(): void
  /** Stops accepting (not the listener's socket: the driver closes it). */
  close(): void
}

/**
 * Accepts on `listener` whenever acceptable() is called, handing the sockets to `sink`;
 * `wantAccept(on)` tells the driver whether to wait for the next notice (select: the read set).
 */
export function readinessAccepts(listener: Socket, sink: ListenerSink, wantAccept: (on: boolean) => void): ReadinessAccepts {
  let closed = false
  let retry: ReturnType<typeof setTimeout> | undefined

  const acceptable = (): void => {
    if (closed || retry !== undefined) return
    for (let i = 0; i < ACCEPTS_PER_NOTICE && !closed; i++) {
      let socket: Socket | null
      try {
        socket = listener.accept()
      } catch (err) {
        sink.failed(err as WsmError)
        wantAccept(false)
        retry = setTimeout(() => {
          retry = undefined
          wantAccept(true)
          acceptable()
        }, ACCEPT_RETRY_MS).unref()
        return
      }
      if (socket === null) break
      sink.accepted(socket)
    }
  }

  wantAccept(true)
  return {
    acceptable,
    close: () => {
      if (closed) return
      closed = true
      if (retry) clearTimeout(retry)
      wantAccept(false)
    },
  }
}
