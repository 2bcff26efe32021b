// The types say what each function takes and gives, precisely enough that misuse fails to compile.
import { CompletionPort, FD_READ, Socket, type CompletionPacket, type Connection, type ListenerAddress } from '@wsm/core-native'
import type { Observable } from 'rxjs'
import { describe, expectTypeOf, it } from 'vitest'
import {
  connect$,
  copyFile$,
  fromIocp,
  fromNetworkEvents,
  listen$,
  type CopyProgress,
  type NetworkEvent,
  type NetworkEventBit,
  type RxConnection,
} from '../src/index.js'

declare const port: CompletionPort
declare const socket: Socket
declare const c: RxConnection

describe('@wsm/rx types', () => {
  it('fromIocp: an Observable of the core’s packets; a port and a numeric maxBatch only', () => {
    expectTypeOf(fromIocp(port)).toEqualTypeOf<Observable<CompletionPacket>>()
    expectTypeOf(fromIocp(port, { maxBatch: 8 })).toEqualTypeOf<Observable<CompletionPacket>>()
    // @ts-expect-error a socket is not a port
    fromIocp(socket)
    // @ts-expect-error maxBatch is a number
    fromIocp(port, { maxBatch: '8' })
    // @ts-expect-error no such option
    fromIocp(port, { timeoutMs: 5 })
  })

  it('fromNetworkEvents: { event, error } with event one of the six FD_ bits; two models', () => {
    expectTypeOf(fromNetworkEvents(socket, FD_READ)).toEqualTypeOf<Observable<NetworkEvent>>()
    expectTypeOf<NetworkEvent['event']>().toEqualTypeOf<NetworkEventBit>()
    expectTypeOf<NetworkEventBit>().toEqualTypeOf<1 | 2 | 4 | 8 | 16 | 32>()
    expectTypeOf<NetworkEvent['error']>().toEqualTypeOf<number>()
    fromNetworkEvents(socket, FD_READ, { model: 'async-select' })
    // @ts-expect-error select is not a network-event model
    fromNetworkEvents(socket, FD_READ, { model: 'select' })
    // @ts-expect-error the mask is required
    fromNetworkEvents(socket)
    // @ts-expect-error a port is not a socket
    fromNetworkEvents(port, FD_READ)
  })

  it('copyFile$: bigint progress; no signal or onProgress (unsubscribe, and the values, do that)', () => {
    expectTypeOf(copyFile$('a', 'b')).toEqualTypeOf<Observable<CopyProgress>>()
    expectTypeOf<CopyProgress>().toEqualTypeOf<{ copied: bigint; total: bigint }>()
    copyFile$('a', 'b', { bufferSize: 65536, pendingIos: 4, unbuffered: true, exclusive: true })
    // @ts-expect-error aborting is unsubscribing
    copyFile$('a', 'b', { signal: new AbortController().signal })
    // @ts-expect-error progress comes as values
    copyFile$('a', 'b', { onProgress: () => {} })
    // @ts-expect-error paths are strings
    copyFile$(new URL('file:///a'), 'b')
  })

  it('listen$ and connect$: Observables of RxConnection; connect$ needs a port', () => {
    expectTypeOf(listen$()).toEqualTypeOf<Observable<RxConnection>>()
    expectTypeOf(connect$({ port: 80 })).toEqualTypeOf<Observable<RxConnection>>()
    listen$({ port: 0, host: '127.0.0.1', model: 'select', listeningObserver: { next: (a: ListenerAddress) => void a.port } })
    // @ts-expect-error the port is required
    connect$({ host: '127.0.0.1' })
    // @ts-expect-error no such model
    connect$({ port: 80, model: 'kqueue' })
  })

  it('RxConnection: Buffers in, byte counts out; writes take bytes, not strings', () => {
    expectTypeOf(c.data$).toEqualTypeOf<Observable<Buffer>>()
    expectTypeOf(c.write(new Uint8Array(1))).toEqualTypeOf<Observable<number>>()
    expectTypeOf(c.write([new Uint8Array(1), Buffer.from('x')])).toEqualTypeOf<Observable<number>>()
    expectTypeOf(c.end()).toEqualTypeOf<Observable<never>>()
    expectTypeOf(c.chunks({ highWaterMark: 1 << 20, maxChunk: 1 << 17 })).toEqualTypeOf<AsyncIterableIterator<Buffer>>()
    expectTypeOf(c.connection).toEqualTypeOf<Connection>()
    // @ts-expect-error strings are not written (encode them)
    c.write('hello')
    // @ts-expect-error data$ is read-only
    c.data$ = c.data$
  })
})
