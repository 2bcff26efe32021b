import { Socket } from '@wsm/core-native'

// What every example echo server returns, whatever its model, so that the demo, the tests and the
// benchmark drive them all the same way.

export interface EchoStats {
  accepted: number
  closed: number
  bytesEchoed: number
}

export interface EchoServerOptions {
  port?: number
  host?: string
  backlog?: number
  /** Where the server tells what happens; silent by default. */
  log?: (line: string) => void
}

export interface EchoServer<Stats extends EchoStats = EchoStats> {
  readonly port: number
  readonly stats: Stats
  /** Resolves when the server has stopped; rejects if it died of an unexpected error. */
  readonly done: Promise<void>
  /** Stops accepting, closes every connection, and resolves once `done` has. */
  close(): Promise<void>
}

/** The listening socket every example starts with: bound (127.0.0.1 and an ephemeral port by default) and listening. */
export function openListener(options: EchoServerOptions): Socket {
  const listener = Socket.tcp()
  listener.bind(options.port ?? 0, options.host ?? '127.0.0.1')
  listener.listen(options.backlog)
  return listener
}

/**
 * The EchoServer a model's loop returns. The first `close()` runs `shutdown` (stop the loop, close
 * the listener and every connection), says so, and every `close()` then waits for `done`.
 */
export function echoServer<Stats extends EchoStats>(
  listener: Socket,
  stats: Stats,
  done: Promise<void>,
  shutdown: () => void,
  log: (line: string) => void,
): EchoServer<Stats> {
  let closed = false
  return {
    port: listener.localPort,
    stats,
    done,
    async close() {
      if (!closed) {
        closed = true
        shutdown()
        log('server closed')
      }
      await done
    },
  }
}
