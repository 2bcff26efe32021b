// RxConnection: a core Connection seen through RxJS. Its receive side has one consumer at a time,
// data$ (push) or chunks() (pull); the consumer owns the connection: abandoning it before the end
// destroys the connection. Until a consumer comes the connection is paused, so no byte is lost
// and the peer is held back by TCP.
import type { Connection, WsmError } from '@wsm/core-native'
import { Observable } from 'rxjs'
import { checkInteger, checkOptions } from './args.js'
import { invalidArgType } from './errors.js'
import { readChunks, type ChunksOptions } from './chunks.js'
import { secondConsumer, type ReceiveState } from './receive-state.js'

export class RxConnection {
  /**
   * The core's Connection: addresses, setNoDelay, setKeepAlive, destroy(). Leave pause() and
   * resume() to data$ and chunks().
   */
  readonly connection: Connection
  /**
   * The received chunks (each Buffer yours to keep). Completes on the peer's FIN or when the
   * connection closes; errors with the core's WsmError (ECONNRESET, ...). One consumer at a time:
   * a second (while data$ or chunks() reads) errors with ERR_INVALID_STATE. Unsubscribing before
   * the end destroys the connection (operations in flight are cancelled). Push-only: operators
   * such as concatMap buffer without limit behind it; a slow consumer uses chunks().
   */
  readonly data$: Observable<Buffer>
  readonly #state: ReceiveState

  /** @internal Made by listen$ and connect$. */
  constructor(connection: Connection) {
    this.connection = connection
    connection.pause()
    const state: ReceiveState = (this.#state = { connection, ended: false, failure: null, consumed: false })
    // Always listened to: an 'error' with no listener would be an uncaught exception.
    connection.on('error', (err) => (state.failure = err))
    connection.on('end', () => (state.ended = true))
    connection.on('close', () => (state.ended = true))
    this.data$ = new Observable<Buffer>((subscriber) => {
      if (state.failure) return subscriber.error(state.failure)
      if (state.ended || connection.destroyed) return subscriber.complete()
      if (state.consumed) return subscriber.error(secondConsumer())
      state.consumed = true
      let done = false
      const onData = (chunk: Buffer) => subscriber.next(chunk)
      const onEnd = () => {
        done = true
        subscriber.complete()
      }
      const onError = (err: WsmError) => {
        done = true
        subscriber.error(err)
      }
      connection.on('data', onData).on('end', onEnd).on('close', onEnd).on('error', onError)
      connection.resume()
      return () => {
        connection.off('data', onData).off('end', onEnd).off('close', onEnd).off('error', onError)
        state.consumed = false
        // Given up before the end: the connection goes with it (test/connections.test.ts, "take(n)").
        if (!done) connection.destroy()
      }
    })
  }

  /**
   * Writes `data` on subscribe; emits its byte count and completes once every byte is sent (the
   * kernel has taken it), or errors with the core's WsmError. As with WSASend, the buffers are the
   * connection's until then. Unsubscribing does not take queued bytes back. Cold: nothing is written
   * without a subscription, and each one writes again.
   */
  write(data: Uint8Array | readonly Uint8Array[]): Observable<number> {
    const list = checkData(data)
    let bytes = 0
    for (const b of list) bytes += b.byteLength
    const connection = this.connection
    return new Observable<number>((subscriber) => {
      connection.write(list, (err) => {
        if (err) return subscriber.error(err)
        subscriber.next(bytes)
        subscriber.complete()
      })
    })
  }

  /**
   * Half-closes on subscribe (shutdown SD_SEND once the queued bytes are sent, Connection#end());
   * completes on 'finish'. Receiving goes on. Cold, like write().
   */
  end(): Observable<never> {
    const connection = this.connection
    return new Observable<never>((subscriber) => {
      if (connection.destroyed) return subscriber.complete()
      const onFinish = () => subscriber.complete()
      const onError = (err: WsmError) => subscriber.error(err)
      connection.once('finish', onFinish).once('close', onFinish).once('error', onError)
      connection.end()
      return () => {
        connection.off('finish', onFinish).off('close', onFinish).off('error', onError)
      }
    })
  }

  /**
   * Pull-based reading: an async iterator of the chunks as received (or joined up to `maxChunk`
   * bytes), reading ahead until
   * `highWaterMark` bytes wait (then the connection is paused, so TCP holds the peer back, until
   * the consumer has taken them below the mark). Ends on the peer's FIN; throws the WsmError of a
   * failed connection. Breaking out of the loop before the end destroys the connection. One
   * consumer at a time (ERR_INVALID_STATE otherwise).
   */
  chunks(options?: ChunksOptions): AsyncIterableIterator<Buffer> {
    const o = checkOptions('options', options)
    const highWaterMark = checkInteger('options.highWaterMark', o.highWaterMark, 1, 2 ** 31 - 1, DEFAULT_READ_AHEAD)
    const maxChunk = checkInteger('options.maxChunk', o.maxChunk, 1, 2 ** 31 - 1, 1)
    return readChunks(this.#state, highWaterMark, maxChunk)
  }
}

/** What chunks() reads ahead by default: Node 22's stream high-water mark. */
export const DEFAULT_READ_AHEAD = 64 * 1024

function checkData(data: unknown): readonly Uint8Array[] {
  if (data instanceof Uint8Array) return [data]
  if (!Array.isArray(data)) throw invalidArgType('data', 'a Uint8Array or an array of them', data)
  const list = [...(data as unknown[])]
  for (const b of list) if (!(b instanceof Uint8Array)) throw invalidArgType('data[i]', 'a Uint8Array', b)
  return list as Uint8Array[]
}
