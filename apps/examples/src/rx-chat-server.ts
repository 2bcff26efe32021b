// A line-based chat server written with @wsm/rx: every line a client sends goes to every other
// client. What RxJS adds to the model servers beside it: the lines of a connection are an
// operator over its chunks, outgoing lines are batched into one write per client with bufferTime,
// a peer's FIN or reset ends only its session, and takeUntil(shutdown$) closes the listener and
// every connection at once.
import { StringDecoder } from 'node:string_decoder'
import type { Model } from '@wsm/core-native'
import { listen$, type RxConnection } from '@wsm/rx'
import {
  EMPTY,
  Observable,
  Subject,
  bufferTime,
  catchError,
  concat,
  concatMap,
  filter,
  ignoreElements,
  last,
  map,
  merge,
  mergeMap,
  share,
  takeUntil,
  tap,
} from 'rxjs'

export interface RxChatOptions {
  port?: number
  host?: string
  /** The driver under the connections ('iocp' by default). */
  model?: Model
  /** How long lines for one client are gathered into one write (20 ms by default). */
  batchMs?: number
}

export interface RxChatServer {
  readonly port: number
  /** Resolves once the server has stopped; rejects if it failed (EADDRINUSE, ...). */
  readonly done: Promise<void>
  /** Closes the listener and every connection; resolves with `done`. */
  close(): Promise<void>
}

interface Said {
  from: RxConnection
  line: string
}

/** The UTF-8 lines of a stream of chunks (a line may span chunks; a last one without '\n' counts). */
export function lines() {
  return (chunks: Observable<Buffer>) =>
    new Observable<string>((subscriber) => {
      const decoder = new StringDecoder('utf8')
      let rest = ''
      return chunks.subscribe({
        next: (chunk) => {
          const parts = (rest + decoder.write(chunk)).split('\n')
          rest = parts.pop()!
          for (const line of parts) subscriber.next(line)
        },
        error: (err) => subscriber.error(err),
        complete: () => {
          rest += decoder.end()
          if (rest !== '') subscriber.next(rest)
          subscriber.complete()
        },
      })
    })
}

export function startRxChatServer(options: RxChatOptions = {}): RxChatServer {
  const batchMs = options.batchMs ?? 20
  const said$ = new Subject<Said>()
  const shutdown$ = new Subject<void>()

  // One client: what it says goes to said$; what the others say comes back batched. Its FIN ends
  // the session (then our FIN); a reset ends it too, without ending the server.
  const session = (c: RxConnection): Observable<never> => {
    const heard$ = c.data$.pipe(lines(), share())
    const speak$ = heard$.pipe(tap((line) => said$.next({ from: c, line })))
    const hear$ = said$.pipe(
      filter((said) => said.from !== c),
      map((said) => `${said.line}\n`),
      bufferTime(batchMs),
      filter((batch) => batch.length > 0),
      concatMap((batch) => c.write(Buffer.from(batch.join('')))),
      takeUntil(heard$.pipe(last(undefined, null))),
    )
    return concat(merge(speak$, hear$).pipe(ignoreElements()), c.end()).pipe(catchError(() => EMPTY))
  }

  let port = 0
  const done = new Promise<void>((resolve, reject) => {
    listen$({ port: options.port, host: options.host ?? '127.0.0.1', model: options.model, listeningObserver: { next: (a) => (port = a.port) } })
      .pipe(mergeMap(session), takeUntil(shutdown$))
      .subscribe({ error: reject, complete: resolve })
  })
  return {
    get port() {
      return port
    },
    done,
    close: () => {
      shutdown$.next()
      return done
    },
  }
}
