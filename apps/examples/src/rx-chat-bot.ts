// A chat client that stays in the rx chat across server restarts: connect$, greet, report what it
// hears; when the server is not up yet (ECONNREFUSED), resets the connection or ends it, connect
// again with the reconnect policy (retry with backoff, repeat). Stopped by unsubscribing.
import type { Model } from '@wsm/core-native'
import { connect$, type RxConnection } from '@wsm/rx'
import { concat, ignoreElements, map, merge, mergeMap, of, type Observable } from 'rxjs'
import { lines } from './rx-lines.js'
import { reconnect, type ReconnectPolicy } from './rx-chat-timing.js'

export interface RxChatBotOptions {
  port: number
  host?: string
  /** The driver under the connection ('iocp' by default). */
  model?: Model
  /** Said on each connection ('bot' by default): `<name> is here`. */
  name?: string
  /** 8 failures in a row, waits of 50 ms doubling up to 2 s, by default. */
  reconnect?: ReconnectPolicy
}

export type RxChatBotEvent = { kind: 'connected' } | { kind: 'heard'; line: string }

/** The bot: a `connected` value per connection, then a `heard` value per line the others say. */
export function rxChatBot$(options: RxChatBotOptions): Observable<RxChatBotEvent> {
  const greeting = Buffer.from(`${options.name ?? 'bot'} is here\n`)
  // One connection: greet; hear lines until the server's FIN, then ours. An error (a reset) ends it.
  const session = (c: RxConnection): Observable<RxChatBotEvent> =>
    merge(
      of({ kind: 'connected' } as const),
      c.write(greeting).pipe(ignoreElements()),
      concat(c.data$.pipe(lines()), c.end()).pipe(map((line) => ({ kind: 'heard', line }) as const)),
    )
  return connect$({ port: options.port, host: options.host ?? '127.0.0.1', model: options.model }).pipe(
    mergeMap(session),
    reconnect(options.reconnect ?? { count: 8, firstDelayMs: 50, maxDelayMs: 2000 }),
  )
}
