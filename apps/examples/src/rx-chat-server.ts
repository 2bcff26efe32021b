// A line-based chat server written with @wsm/rx: every line a client sends goes to every other
// client. What RxJS adds to the model servers beside it: the lines of a connection are an
// operator over its chunks, a flood limit per client with groupBy, outgoing lines batched into
// one write per client with bufferTime, a peer's FIN or reset ending only its session, and
// takeUntil(shutdown$) closing the listener and every connection at once. (The timing operators
// are in rx-chat-timing.ts; rx-chat-bot.ts is a client that reconnects with retry.)
import type { Model } from '@wsm/core-native'
import { listen$, type RxConnection } from '@wsm/rx'
import {
  EMPTY,
  Observable,
  Subject,
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
import { lines } from './rx-lines.js'
import { batchLines, limitPerKey, type FloodLimit } from './rx-chat-timing.js'

export interface RxChatOptions {
  port?: number
  host?: string
  /** The driver under the connections ('iocp' by default). */
  model?: Model
  /** How long lines for one client are gathered into one write (20 ms by default). */
  batchMs?: number
  /** The most lines one client may send per period; the rest are dropped (10 per 1000 ms by default). */
  floodLimit?: FloodLimit
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

export function startRxChatServer(options: RxChatOptions = {}): RxChatServer {
  const batchMs = options.batchMs ?? 20
  const said$ = new Subject<Said>()
  const shutdown$ = new Subject<void>()
  // What is passed on: groupBy gives each client its own budget, so one flooding client is cut
  // short while the others are heard. One pipeline shared by every session.
  const allowed$ = said$.pipe(
    limitPerKey((said) => said.from, options.floodLimit ?? { max: 10, perMs: 1000 }),
    share(),
  )

  // One client: what it says goes to said$; what the others say comes back batched. Its FIN ends
  // the session (then our FIN); a reset ends it too, without ending the server.
  const session = (c: RxConnection): Observable<never> => {
    const heard$ = c.data$.pipe(lines(), share())
    const speak$ = heard$.pipe(tap((line) => said$.next({ from: c, line })))
    const hear$ = allowed$.pipe(
      filter((said) => said.from !== c),
      map((said) => said.line),
      batchLines(batchMs),
      concatMap((text) => c.write(Buffer.from(text))),
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
