// The sweep that takes idle connections out of the buffered receive gear (overlapped-connection.ts):
// a connection whose buffered WSARecv saw no completion for a whole sweep interval is told it is
// idle, and goes back to the zero-byte wait, giving its buffer up. One unref'd timer per thread,
// running only while some connection is in the buffered gear.
const HOT_IDLE_MS = 1000

export interface HotWatch {
  /** The buffered receive completed: the connection is busy. */
  touch(): void
  /** The connection left the buffered gear (or closed). */
  stop(): void
}

/** What the sweep tells: the connection was quiet for a whole interval. */
export interface Quiet {
  idle(): void
}

interface Watched {
  busy: boolean
  connection: Quiet
}

const watched = new Set<Watched>()
let timer: ReturnType<typeof setInterval> | undefined

function sweep(): void {
  for (const w of watched) {
    if (w.busy) w.busy = false
    else w.connection.idle()
  }
  if (watched.size === 0 && timer !== undefined) {
    clearInterval(timer)
    timer = undefined
  }
}

/** Calls `connection.idle()` once it has been quiet for a sweep interval (and again each interval until stop()). */
export function watchHotReceive(connection: Quiet): HotWatch {
  const w: Watched = { busy: true, connection }
  watched.add(w)
  timer ??= setInterval(sweep, HOT_IDLE_MS).unref()
  return {
    touch: () => {
      w.busy = true
    },
    stop: () => {
      watched.delete(w)
    },
  }
}
