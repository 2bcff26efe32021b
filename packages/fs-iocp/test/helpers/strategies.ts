// Every way copyFile can copy one file, so each test runs on each engine path.
import { copyFile, type CopyFileOptions } from '../../src/index.js'

export interface Way {
  name: string
  /** The options that choose the way (plain data: a child process gets them as JSON); none for the mode form. */
  options: CopyFileOptions | undefined
  /** Goes through the completion-port pipeline (no clone, no FICLONE_FORCE). */
  pipeline: boolean
  copy(src: string, dest: string, mode?: number, extra?: CopyFileOptions): Promise<void>
}

function way(name: string, options: CopyFileOptions | undefined, pipeline: boolean): Way {
  return {
    name,
    options,
    pipeline,
    copy: (src, dest, mode, extra) => (options || extra ? copyFile(src, dest, { ...options, ...extra, mode }) : copyFile(src, dest, mode)),
  }
}

export const WAYS: Way[] = [
  way('copyFile(src, dest, mode): auto', undefined, false),
  way("strategy 'kernel'", { strategy: 'kernel' }, false),
  way("strategy 'iocp', buffered", { strategy: 'iocp' }, true),
  way('unbuffered (iocp, O_DIRECT)', { unbuffered: true }, true),
  way('iocp, 1 MiB x 8 in flight', { bufferSize: 1 << 20, queueDepth: 8 }, true),
]
