// A server made with listen$ for the connection tests: each accepted connection is handed to
// `serve`, and the port it listens on is known once `served` resolves.
import type { Model } from '@wsm/core-native'
import { mergeMap, type Observable, type Subscription } from 'rxjs'
import { afterEach } from 'vitest'
import { listen$, type RxConnection } from '../../src/index.js'

const subscriptions: Subscription[] = []

/** Unsubscribes every server left running by a test of the calling file. */
export function useServerCleanup(): void {
  afterEach(() => {
    for (const s of subscriptions.splice(0)) s.unsubscribe()
  })
}

export interface Served {
  port: number
  subscription: Subscription
}

/** A listen$ server on 127.0.0.1 whose connections go through `serve` (merged). */
export function served(serve: (c: RxConnection) => Observable<unknown>, model?: Model): Promise<Served> {
  return new Promise((resolve, reject) => {
    let port = 0
    const subscription = listen$({ model, host: '127.0.0.1', listeningObserver: { next: (a) => (port = a.port) } })
      .pipe(mergeMap(serve))
      .subscribe({ error: reject })
    subscriptions.push(subscription)
    resolve({ port, subscription })
  })
}
