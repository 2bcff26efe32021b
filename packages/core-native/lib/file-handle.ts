// Files for overlapped I/O: CreateFile with FILE_FLAG_OVERLAPPED (and FILE_FLAG_NO_BUFFERING when
// `unbuffered`), ReadFile/WriteFile at 64-bit offsets, on the same engine and ports as sockets.
import { native, type NativeFileHandle } from './binding.js'
import { invalidType } from './errors.js'
import { ensureIo } from './io-dispatch.js'
import { checkOverlapped, checkRoutine, started, type CompletionRoutine, type Overlapped } from './overlapped.js'

export interface FileOpenOptions {
  read?: boolean
  write?: boolean
  /** OPEN_ALWAYS: create the file if it does not exist. */
  create?: boolean
  /** CREATE_NEW: fail with EEXIST if it exists. */
  exclusive?: boolean
  /** TRUNCATE_EXISTING / CREATE_ALWAYS. */
  truncate?: boolean
  /** FILE_FLAG_NO_BUFFERING (O_DIRECT): offsets and lengths must be multiples of `alignment`. */
  unbuffered?: boolean
  /** Permission bits of a created file (default 0o666, less the umask). */
  mode?: number
}

const FLAG_BITS: Array<[keyof FileOpenOptions, number]> = [
  ['read', 1],
  ['write', 2],
  ['create', 4],
  ['exclusive', 8],
  ['truncate', 16],
  ['unbuffered', 32],
]

let handleOf: (f: FileHandle) => NativeFileHandle

export class FileHandle {
  readonly #native: NativeFileHandle

  static {
    handleOf = (f) => f.#native
  }

  /** CreateFile. Synchronous, as CreateFile is; reads and writes are the asynchronous part. */
  static open(path: string, options: FileOpenOptions): FileHandle {
    if (typeof path !== 'string') throw invalidType('path', 'a string', path)
    if (typeof options !== 'object' || options === null) throw invalidType('options', 'an object', options)
    let flags = 0
    for (const [name, bit] of FLAG_BITS) {
      const v = options[name]
      if (v === undefined) continue
      if (typeof v !== 'boolean') throw invalidType(`options.${name}`, 'a boolean', v)
      if (v) flags |= bit
    }
    return new FileHandle(new native.FileHandle(path, flags, options.mode))
  }

  private constructor(handle: NativeFileHandle) {
    this.#native = handle
  }

  /** GetFileSizeEx. */
  size(): bigint {
    return this.#native.size()
  }

  /** SetFileInformationByHandle(FileEndOfFileInfo). */
  setSize(size: bigint | number): void {
    this.#native.setSize(size)
  }

  /** CloseHandle. Idempotent; operations in flight complete with ECANCELED. */
  close(): void {
    this.#native.close()
  }

  get closed(): boolean {
    return this.#native.closed
  }

  get unbuffered(): boolean {
    return this.#native.unbuffered
  }

  /** What unbuffered offsets and lengths must be multiples of (1 when buffered). */
  get alignment(): number {
    return this.#native.alignment
  }
}

/** @internal The native handle of `value` if it is a FileHandle, else undefined. */
export function nativeFileHandle(value: unknown): NativeFileHandle | undefined {
  return value instanceof FileHandle ? handleOf(value) : undefined
}

function fileHandle(f: unknown): NativeFileHandle {
  if (!(f instanceof FileHandle)) throw invalidType('file', 'a FileHandle', f)
  return handleOf(f)
}

/** ReadFile at `offset`. The completion reports the bytes read; 0 at the end of the file. */
export function readFileOverlapped(f: FileHandle, buf: Uint8Array, offset: bigint | number, ov: Overlapped, routine?: CompletionRoutine): void {
  const handle = fileHandle(f)
  checkOverlapped(ov, 'ReadFile')
  const r = checkRoutine(routine)
  ensureIo()
  started(f, ov, 'ReadFile', r, native.ioRead(handle, buf, offset))
}

/** WriteFile at `offset`. The bytes are copied when the call is made. */
export function writeFileOverlapped(f: FileHandle, buf: Uint8Array, offset: bigint | number, ov: Overlapped, routine?: CompletionRoutine): void {
  const handle = fileHandle(f)
  checkOverlapped(ov, 'WriteFile')
  const r = checkRoutine(routine)
  ensureIo()
  started(f, ov, 'WriteFile', r, native.ioWrite(handle, buf, offset))
}
