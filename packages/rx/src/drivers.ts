// listen$ and connect$: the core's drivers (listen, connect) handing out RxConnections.
import { isIP } from 'node:net'
import { MODELS, connect, listen, type ConnectOptions, type ListenOptions, type ListenerAddress, type Model } from '@wsm/core-native'
import { Observable, type NextObserver } from 'rxjs'
import { checkChoice, checkInteger, checkOptions } from './args.js'
import { RxConnection } from './connection.js'
import { invalidArgType, invalidArgValue } from './errors.js'

export interface ListenObservableOptions extends ListenOptions {
  /** Told the bound address once listening (port 0 picks one), as WebSocketSubject's openObserver. */
  listeningObserver?: NextObserver<ListenerAddress>
}

function checkModel(value: unknown): Model | undefined {
  return value === undefined ? undefined : checkChoice('options.model', value, MODELS)
}

function checkHost(value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw invalidArgType('options.host', 'of type string', value)
  if (value !== 'localhost' && isIP(value) === 0) throw invalidArgValue('options.host', "must be an IP address or 'localhost' (no DNS)", value)
  return value
}

/**
 * Listens on subscribe (the model's driver: socket, bind, listen; EADDRINUSE and the like are
 * error notifications) and emits every accepted connection, paused until its data$ or chunks()
 * reads. Unsubscribing closes the listener; the connections already emitted live on (each is
 * owned by its receive side's consumer, or by you). Failed accepts (EMFILE, ...) are not
 * notifications: the listener retries, as the core's does.
 */
export function listen$(options?: ListenObservableOptions): Observable<RxConnection> {
  const o = checkOptions('options', options)
  const listenOptions: ListenOptions = {
    model: checkModel(o.model),
    port: checkInteger('options.port', o.port, 0, 65535),
    host: checkHost(o.host),
    backlog: checkInteger('options.backlog', o.backlog, 1, 65535),
  }
  if (o.reusePort !== undefined) {
    if (typeof o.reusePort !== 'boolean') throw invalidArgType('options.reusePort', 'of type boolean', o.reusePort)
    listenOptions.reusePort = o.reusePort
  }
  const observer = o.listeningObserver as NextObserver<ListenerAddress> | undefined
  if (observer !== undefined && (typeof observer !== 'object' || observer === null || typeof observer.next !== 'function')) {
    throw invalidArgType('options.listeningObserver', 'an object with a next method', observer)
  }
  return new Observable<RxConnection>((subscriber) => {
    const listener = listen(withoutUndefined(listenOptions))
    listener.on('error', () => {}) // a failed accept: the driver accepts again after 100 ms
    listener.on('connection', (connection) => subscriber.next(new RxConnection(connection)))
    try {
      observer?.next(listener.address())
    } catch (err) {
      listener.close() // the error notification's teardown is not registered yet
      throw err
    }
    return () => listener.close()
  })
}

/**
 * Connects on subscribe (ConnectEx, or a non-blocking connect and its notice, per model) and emits
 * the connection, paused until its data$ or chunks() reads, then completes. Errors with the core's
 * WsmError (ECONNREFUSED, ETIMEDOUT, ...). Unsubscribed while connecting, the connection is
 * destroyed as soon as it is made. Cold: each subscription (a retry, say) connects anew.
 */
export function connect$(options: ConnectOptions): Observable<RxConnection> {
  const o = checkOptions('options', options)
  if (o.port === undefined) throw invalidArgType('options.port', 'of type number', o.port)
  const connectOptions: ConnectOptions = {
    model: checkModel(o.model),
    port: checkInteger('options.port', o.port, 1, 65535)!,
    host: checkHost(o.host),
    timeoutMs: checkInteger('options.timeoutMs', o.timeoutMs, 1, 0x7fffffff),
  }
  return new Observable<RxConnection>((subscriber) => {
    connect(withoutUndefined(connectOptions)).then(
      (connection) => {
        if (subscriber.closed) {
          connection.destroy()
          return
        }
        subscriber.next(new RxConnection(connection)) // wrapped (and paused) before any 'data'
        subscriber.complete()
      },
      (err: unknown) => subscriber.error(err),
    )
  })
}

function withoutUndefined<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as T
}
