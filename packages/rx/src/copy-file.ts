// copyFile$: the core's completion-port copier as an Observable of progress values.
import { copyFileIocp, type CopyFileIocpOptions } from '@wsm/core-native'
import { Observable } from 'rxjs'
import { checkInteger, checkOptions } from './args.js'
import { invalidArgType, invalidArgValue } from './errors.js'

/** How far a copy is: bytes copied of the source's size. */
export interface CopyProgress {
  copied: bigint
  total: bigint
}

/** The copier's options; aborting is unsubscribing, and progress comes as values. */
export type CopyFileObservableOptions = Omit<CopyFileIocpOptions, 'signal' | 'onProgress'>

/**
 * Copies `src` to `dest` on subscribe with the core's completion-port copier (ReadFile/WriteFile
 * on a completion port, written beside `dest` and renamed into place). Emits progress at most
 * every 50 ms and once when the copy is in place (the only value with `copied === total`), then
 * completes. Unsubscribing before then aborts the copy: no destination is left (an existing one
 * stays intact) and no temporary file. A failure is an error notification: the core's WsmError
 * with `path` and `dest`. Each subscription is a copy of its own.
 */
export function copyFile$(src: string, dest: string, options?: CopyFileObservableOptions): Observable<CopyProgress> {
  if (typeof src !== 'string') throw invalidArgType('src', 'of type string', src)
  if (typeof dest !== 'string') throw invalidArgType('dest', 'of type string', dest)
  const o = checkOptions('options', options)
  for (const name of ['signal', 'onProgress'] as const) {
    if (o[name] !== undefined) throw invalidArgValue(`options.${name}`, 'is not taken by copyFile$ (unsubscribe to abort; progress comes as values)', o[name])
  }
  const copyOptions: CopyFileIocpOptions = {
    bufferSize: checkInteger('options.bufferSize', o.bufferSize, 4096, 64 << 20),
    pendingIos: checkInteger('options.pendingIos', o.pendingIos, 1, 256),
  }
  for (const name of ['unbuffered', 'exclusive'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'boolean') throw invalidArgType(`options.${name}`, 'of type boolean', o[name])
    copyOptions[name] = o[name] as boolean | undefined
  }
  return new Observable<CopyProgress>((subscriber) => {
    const controller = new AbortController()
    copyFileIocp(src, dest, {
      ...copyOptions,
      signal: controller.signal,
      onProgress: (copied, total) => subscriber.next({ copied, total }),
    }).then(
      () => subscriber.complete(),
      (err: unknown) => subscriber.error(err), // after unsubscribe (the abort's AbortError): dropped
    )
    return () => controller.abort()
  })
}
