// The native addon, typed. Loaded through the one-line binding.cjs (node-gyp-build), which bundlers
// must leave alone: it finds build/Release or prebuilds/ relative to the package root.
import { createRequire } from 'node:module'
import { systemError } from './errors.js'

export interface NativeAddress {
  address: string
  port: number
  family: 4 | 6
}

/** Native socket states; mirror of SocketState in src/net/socket_handle.h. */
export const NativeSocketState = {
  Created: 0,
  Bound: 1,
  Listening: 2,
  Connecting: 3,
  Connected: 4,
  ConnectFailed: 5,
  Closed: 6,
} as const
export type NativeSocketState = (typeof NativeSocketState)[keyof typeof NativeSocketState]

export interface NativeSocketHandle {
  /** Its number for ioRecv/ioSend (src/net/socket_table.h). */
  readonly id: number
  bind(port: number, host?: string): void
  listen(backlog?: number): void
  accept(): NativeSocketHandle | null
  connect(port: number, host?: string): boolean
  /** `flags`: Winsock's MSG_OOB | MSG_PEEK (recv), MSG_OOB (send), checked in lib/socket.ts. */
  recv(buffer: Uint8Array, flags?: number): number
  send(buffer: Uint8Array, flags?: number): number
  sendTo(buffer: Uint8Array, port: number, host?: string): number
  recvFrom(buffer: Uint8Array): NativeAddress & { bytes: number }
  shutdown(how: string): void
  close(): void
  localAddress(): NativeAddress
  remoteAddress(): NativeAddress
  setNoDelay(noDelay: boolean): void
  setKeepAlive(enable: boolean, initialDelayMs?: number): void
  setReusePort(reusePort: boolean): void
  getError(): number
  /** src/net/socket_options.cc: `option` a SocketOption number; BOOLs as 0 or 1. */
  setOption(option: number, value: number): void
  getOption(option: number): number
  setLinger(onoff: boolean, seconds: number): void
  getLinger(): [number, number]
  bytesReadable(): number
  atMark(): boolean
  readonly state: NativeSocketState
  readonly family: 4 | 6
  /** A UDP (SOCK_DGRAM) socket. */
  readonly datagram: boolean
}

export interface NativeSelectWaiter {
  close(): void
}

export interface NativeFileHandle {
  size(): bigint
  setSize(size: bigint | number): void
  close(): void
  readonly alignment: number
  readonly unbuffered: boolean
  readonly closed: boolean
}

export interface NativeBinding {
  setErrorFactory(factory: (errno: number, syscall: string, message: string) => Error): void
  /** `type`: 1 (SOCK_STREAM, the default) or 2 (SOCK_DGRAM). */
  SocketHandle: new (family: number, type?: number) => NativeSocketHandle
  /** `rules`: 0 select's (the default), 1 WSAPoll's (src/models/select.h). */
  selectPoll(handles: NativeSocketHandle[], wanted: Uint8Array, rules?: number): Uint8Array
  SelectWaiter: new (
    handles: NativeSocketHandle[],
    wanted: Uint8Array,
    onReady: (ready: Uint8Array) => void,
    /** Whether the pending wait keeps the event loop (and so the process) alive. */
    keepAlive: boolean,
    rules?: number,
  ) => NativeSelectWaiter

  // Completion I/O (src/models/overlapped_io.cc). Each start returns the operation's id; its
  // completion arrives through the dispatch function as an [id, result, flags] record.
  ioSetup(dispatch: (count: number) => void): { records: Int32Array; backend: 'io_uring' | 'epoll' }
  ioBackend(): 'io_uring' | 'epoll'
  ioRecv(socketId: number, buffers: Uint8Array | Uint8Array[]): number
  ioSend(socketId: number, buffers: Uint8Array | Uint8Array[]): number
  /** `sender` gets the datagram's address, port and family at completion. */
  ioRecvFrom(socketId: number, buffers: Uint8Array | Uint8Array[], sender: NativeAddress): number
  ioSendTo(socketId: number, buffers: Uint8Array | Uint8Array[], port: number, host?: string): number
  ioAccept(listener: NativeSocketHandle, acceptSocket: NativeSocketHandle, buffer?: Uint8Array): number
  ioConnect(socket: NativeSocketHandle, port: number, host?: string, buffer?: Uint8Array): number
  ioRead(file: NativeFileHandle, buffer: Uint8Array, offset: bigint | number): number
  ioWrite(file: NativeFileHandle, buffer: Uint8Array, offset: bigint | number): number
  ioCancel(id: number): boolean
  ioCancelAll(handle: NativeSocketHandle | NativeFileHandle): boolean
  ioPending(): number
  /** Whether the handle's operations in flight keep the event loop alive (uv_ref/uv_unref). */
  ioRef(handle: NativeSocketHandle | NativeFileHandle, on: boolean): void
  FileHandle: new (path: string, flags: number, mode?: number) => NativeFileHandle

  // WSAAsyncSelect / WSAEventSelect (src/models/network_events.cc): recorded events arrive in
  // batches, six positive errnos per socket (one per event bit).
  netSetup(dispatch: (sockets: NativeSocketHandle[], events: Uint32Array, errors: Int32Array) => void): void
  /** Returns the recorded events the new selection includes (event mode: signal at once). */
  netSelect(socket: NativeSocketHandle, eventMode: boolean, events: number): number
  netEnum(socket: NativeSocketHandle): { events: number; errors: Int32Array }

  // The copier (src/copy/file_copy.cc); onDone(errno, syscall, onSource, bytes), errno 0 on success.
  FileCopyJob: new (
    src: string,
    dest: string,
    bufferSize: number,
    pendingIos: number,
    unbuffered: boolean,
    exclusive: boolean,
    onProgress: ((copied: bigint, total: bigint) => void) | undefined,
    onDone: (errno: number, syscall: string, onSource: boolean, bytes: bigint) => void,
  ) => { abort(): void }
  KernelCopyJob: new (
    concurrency: number,
    exists: number,
    clone: number,
    preserveTimestamps: boolean,
    fresh: boolean,
    onProgress: ((files: number, bytes: bigint, found: number) => void) | undefined,
    onDone: (errno: number, syscall: string, src: string, dest: string, files: number, bytes: bigint, links: number, made: Array<string | number>) => void,
  ) => { add(list: string[]): boolean; addTree(src: string, dest: string): boolean; end(): void; abort(): void }
}

const require = createRequire(import.meta.url)

export const native = require('../binding.cjs') as NativeBinding

native.setErrorFactory((errno, syscall, message) => systemError(errno, syscall, message || undefined))
