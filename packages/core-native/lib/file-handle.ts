// Files for overlapped I/O: CreateFile with FILE_FLAG_OVERLAPPED (and FILE_FLAG_NO_BUFFERING when
// `unbuffered`), ReadFile/WriteFile at 64-bit offsets, on the same engine and ports as sockets.
import { native, type NativeFileHandle } from './binding.js'
import { illegalConstructor, invalidThis, invalidType } from './errors.js'
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

// The native handle of a FileHandle, or undefined for anything else: the brand check of every
// method and getter (ERR_INVALID_THIS otherwise) and of the calls that take a file.
let handleOf: (value: unknown) => NativeFileHandle | undefined
// Only FileHandle.open constructs: `new FileHandle(junk)` would hold no native handle.
const CONSTRUCT = Symbol('FileHandle')

export class FileHandle {
  readonly #native: NativeFileHandle

  static {
    handleOf = (value) => (typeof value === 'object' && value !== null && #native in value ? value.#native : undefined)
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
    return new FileHandle(CONSTRUCT, new native.FileHandle(path, flags, options.mode))
  }

  private constructor(token: symbol, handle: NativeFileHandle) {
    if (token !== CONSTRUCT) throw illegalConstructor('FileHandle', 'FileHandle.open()')
    this.#native = handle
  }


  /** GetFileSizeEx. */
  size(): bigint {
    return receiver(this).size()
  }

  /** SetFileInformationByHandle(FileEndOfFileInfo). */
  setSize(size: bigint | number): void {
    receiver(this).setSize(size)
  }

  /** CloseHandle. Idempotent; operations in flight complete with ECANCELED. */
  close(): void {
    receiver(this).close()
  }

  get closed(): boolean {
    return receiver(this).closed
  }

  get unbuffered(): boolean {
    return receiver(this).unbuffered
  }

  /** What unbuffered offsets and lengths must be multiples of (1 when buffered). */
  get alignment(): number {
    return receiver(this).alignment
  }
}

/** The native handle of a method's receiver (a module function: a private method would throw its own uncoded TypeError). */
function receiver(self: unknown): NativeFileHandle {
  const handle = handleOf(self)
  if (handle === undefined) throw invalidThis('FileHandle')
  return handle
}

/** @internal The native handle of `value` if it is a FileHandle, else undefined. */
export function nativeFileHandle(value: unknown): NativeFileHandle | undefined {
  return handleOf(value)
}

function fileHandle(f: unknown): NativeFileHandle {
  const handle = handleOf(f)
  if (handle === undefined) throw invalidType('file', 'a FileHandle', f)
  return handle
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
