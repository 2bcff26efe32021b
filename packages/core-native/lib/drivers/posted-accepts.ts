// A listener's AcceptEx calls kept posted, the same for the three completion-based drivers; only
// how AcceptEx is posted and how its completion is heard differ, and the driver passes those in.
import type { WsmError } from '../errors.js'
import type { Overlapped } from '../overlapped.js'
import { Socket } from '../socket.js'
import type { ListenerSink } from './listener.js'
import { isCancellation } from './overlapped-connection.js'

// AcceptEx calls kept posted on a listener (at most its backlog).
const ACCEPTS_POSTED = 16
// After an accept failed for want of resources (EMFILE, ENFILE, ENOBUFS), AcceptEx is posted again
// after this pause: at once, it would fail at once, in a loop that starves the process.
const ACCEPT_RETRY_MS = 100

export interface PostedAccepts {
  /** The driver heard that the AcceptEx of `ov` completed, with `error` or not. */
  completed(ov: Overlapped, error: WsmError | null): void
  /** The Overlapped of the AcceptEx calls in flight. */
  pending(): IterableIterator<Overlapped>
  /** Stops posting and closes the sockets waiting to be accepted (not the listener). */
  close(): void
}

/**
 * Posts AcceptEx calls on `listener` with `post(acceptSocket, ov)` (a new Overlapped from
 * `overlapped()` each time) until ACCEPTS_POSTED (or `backlog`) are in flight, and posts another
 * as each completes; accepted sockets go to `sink`.
 */
export function postedAccepts(
  listener: Socket,
  backlog: number,
  sink: ListenerSink,
  overlapped: () => Overlapped,
  post: (acceptSocket: Socket, ov: Overlapped) => void,
): PostedAccepts {
  const inFlight = new Map<Overlapped, Socket>()
  const target = Math.min(ACCEPTS_POSTED, backlog)
  let closed = false
  let retry: ReturnType<typeof setTimeout> | undefined

  const postOne = (): void => {
    const socket = Socket.tcp({ family: listener.family })
    const ov = overlapped()
    try {
      post(socket, ov)
    } catch (err) {
      socket.close()
      sink.failed(err as WsmError)
      return
    }
    inFlight.set(ov, socket)
  }
  const fill = (): void => {
    while (!closed && inFlight.size < target) postOne()
  }

  fill()
  return {
    completed: (ov, error) => {
      const socket = inFlight.get(ov)
      if (socket === undefined) return
      inFlight.delete(ov)
      if (closed) {
        socket.close()
        return
      }
      if (error !== null) {
        socket.close()
        if (isCancellation(error)) return
        sink.failed(error)
        retry ??= setTimeout(() => {
          retry = undefined
          fill()
        }, ACCEPT_RETRY_MS).unref()
        return
      }
      if (retry === undefined) postOne()
      sink.accepted(socket)
    },
    pending: () => inFlight.keys(),
    close: () => {
      if (closed) return
      closed = true
      if (retry) clearTimeout(retry)
      for (const socket of inFlight.values()) socket.close()
      inFlight.clear()
    },
  }
}
