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

  // Reported after the caller has returned: a failure met while the listener is being made, or
  // while an accepted socket is on its way to the sink, must not throw there.
  const report = (err: WsmError): void => {
    if (!closed) sink.failed(err)
  }
  // The retry is set before the failure is reported: an 'error' listener that throws (or none)
  // must not leave the listener without AcceptEx calls for good.
  const retryLater = (): void => {
    retry ??= setTimeout(() => {
      retry = undefined
      fill()
    }, ACCEPT_RETRY_MS).unref()
  }
  // Posts one AcceptEx; false when it could not be: its socket (EMFILE: no descriptor left) or the
  // call failed, which is reported, and posting resumes after ACCEPT_RETRY_MS
  // (test/drivers-accept-emfile.test.ts).
  const postOne = (): boolean => {
    let socket: Socket | undefined
    try {
      socket = Socket.tcp({ family: listener.family })
      const ov = overlapped()
      post(socket, ov)
      inFlight.set(ov, socket)
      return true
    } catch (err) {
      socket?.close()
      retryLater()
      process.nextTick(report, err as WsmError)
      return false
    }
  }
  const fill = (): void => {
    while (!closed && retry === undefined && inFlight.size < target && postOne());
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
        retryLater()
        sink.failed(error)
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
