// setsockopt / getsockopt / ioctlsocket(FIONREAD) for Socket: Winsock's (level, name) pairs checked
// and mapped onto the native option numbers (src/net/socket_options.h), values typed per option.
// Errors follow Windows (Wine's dlls/ws2_32/tests/sock.c, test_set_getsockopt): an unknown level
// is WSAEINVAL, an unknown option at a known level WSAENOPROTOOPT.
import { constants as osConstants } from 'node:os'
import { NativeSocketState, type NativeSocketHandle } from './binding.js'
import {
  FIONREAD,
  IPPROTO_TCP,
  SOL_SOCKET,
  SO_ACCEPTCONN,
  SO_EXCLUSIVEADDRUSE,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_OOBINLINE,
  SO_SNDBUF,
  SIOCATMARK,
  TCP_NODELAY,
} from './constants.js'
import { invalidArgument, invalidType, systemError } from './errors.js'

/** Winsock's LINGER: `onoff` (l_onoff) and `linger` (l_linger, seconds, 0–65535). */
export interface Linger {
  onoff: boolean
  linger: number
}

/** The options whose value is a size in bytes (a number); the other options but SO_LINGER are BOOLs (booleans). */
export type SizeOption = typeof SO_RCVBUF | typeof SO_SNDBUF
export type BoolOption =
  | typeof SO_KEEPALIVE
  | typeof SO_EXCLUSIVEADDRUSE
  | typeof SO_REUSEADDR
  | typeof SO_OOBINLINE
  | typeof TCP_NODELAY
/** The options getsockopt reads and setsockopt refuses (WSAENOPROTOOPT): SO_ACCEPTCONN. */
export type ReadOnlyBoolOption = typeof SO_ACCEPTCONN
export type SocketOptionValue = boolean | number | Linger

// 'listening': SO_ACCEPTCONN, read from the socket's state; Windows refuses to set it.
type Kind = 'bool' | 'size' | 'linger' | 'listening'
interface OptionInfo {
  kind: Kind
  native: number // SocketOption in src/net/socket_options.h; -1 for SO_LINGER and SO_ACCEPTCONN
}

const LEVELS: ReadonlyMap<number, ReadonlyMap<number, OptionInfo>> = new Map([
  [
    SOL_SOCKET,
    new Map<number, OptionInfo>([
      [SO_RCVBUF, { kind: 'size', native: 0 }],
      [SO_SNDBUF, { kind: 'size', native: 1 }],
      [SO_KEEPALIVE, { kind: 'bool', native: 2 }],
      [SO_EXCLUSIVEADDRUSE, { kind: 'bool', native: 4 }],
      [SO_REUSEADDR, { kind: 'bool', native: 5 }],
      [SO_OOBINLINE, { kind: 'bool', native: 6 }],
      [SO_LINGER, { kind: 'linger', native: -1 }],
      [SO_ACCEPTCONN, { kind: 'listening', native: -1 }],
    ]),
  ],
  [IPPROTO_TCP, new Map<number, OptionInfo>([[TCP_NODELAY, { kind: 'bool', native: 3 }]])],
])

const ENOPROTOOPT = osConstants.errno.ENOPROTOOPT
const EBADF = osConstants.errno.EBADF

function optionOf(level: unknown, name: unknown, syscall: string): OptionInfo {
  if (typeof level !== 'number') throw invalidType('level', 'a number', level)
  if (typeof name !== 'number') throw invalidType('name', 'a number', name)
  const options = LEVELS.get(level)
  if (options === undefined) {
    throw invalidArgument(syscall, `The "level" argument must be SOL_SOCKET or IPPROTO_TCP, got ${level}`)
  }
  const option = options.get(name)
  if (option === undefined) throw systemError(ENOPROTOOPT, syscall, `option ${name} is not supported at level ${level}`)
  return option
}

/** `setsockopt(level, name, value)` on `handle`. */
export function setSocketOption(handle: NativeSocketHandle, level: unknown, name: unknown, value: unknown): void {
  const option = optionOf(level, name, 'setsockopt')
  switch (option.kind) {
    case 'bool':
      if (typeof value !== 'boolean') throw invalidType('value', 'a boolean', value)
      handle.setOption(option.native, value ? 1 : 0)
      return
    case 'size':
      if (typeof value !== 'number') throw invalidType('value', 'a number', value)
      handle.setOption(option.native, value)
      return
    case 'listening':
      // Wine's test_listen: setsockopt(SO_ACCEPTCONN) is WSAENOPROTOOPT, on or off, listening or not.
      throw systemError(ENOPROTOOPT, 'setsockopt', 'SO_ACCEPTCONN can only be read')
    case 'linger': {
      if (typeof value !== 'object' || value === null) throw invalidType('value', 'a LINGER object { onoff, linger }', value)
      const { onoff, linger } = value as Partial<Linger>
      if (typeof onoff !== 'boolean') throw invalidType('value.onoff', 'a boolean', onoff)
      if (typeof linger !== 'number') throw invalidType('value.linger', 'a number', linger)
      handle.setLinger(onoff, linger)
    }
  }
}

/** `getsockopt(level, name)` on `handle`. */
export function getSocketOption(handle: NativeSocketHandle, level: unknown, name: unknown): SocketOptionValue {
  const option = optionOf(level, name, 'getsockopt')
  if (option.kind === 'listening') {
    const state = handle.state
    if (state === NativeSocketState.Closed) throw systemError(EBADF, 'getsockopt', 'the socket is closed')
    return state === NativeSocketState.Listening
  }
  if (option.kind === 'linger') {
    const [onoff, linger] = handle.getLinger()
    return { onoff: onoff === 1, linger }
  }
  const value = handle.getOption(option.native)
  return option.kind === 'bool' ? value === 1 : value
}

/** winsock2.h's FIONBIO: the sockets are always non-blocking, so it is refused, not offered. */
const FIONBIO = 0x8004667e
const EOPNOTSUPP = osConstants.errno.EOPNOTSUPP

/**
 * `ioctlsocket(command)`: FIONREAD (a byte count) or SIOCATMARK (a BOOL). A command Windows does not
 * support is WSAEOPNOTSUPP (Wine's test_unsupported_ioctls); FIONBIO, which Windows supports, is
 * WSAEINVAL here, the answer Windows gives to leaving non-blocking mode while WSAEventSelect holds
 * the socket (test_fionbio): the sockets are always non-blocking. Guarded by
 * test/conformance/fionread.test.ts and urgent-data.test.ts.
 */
export function ioctlSocket(handle: NativeSocketHandle, command: unknown): number | boolean {
  if (typeof command !== 'number') throw invalidType('command', 'a number', command)
  if (command === FIONREAD) return handle.bytesReadable()
  if (command === SIOCATMARK) return handle.atMark()
  if (command === FIONBIO) throw invalidArgument('ioctlsocket', 'FIONBIO: the socket is always non-blocking')
  throw systemError(EOPNOTSUPP, 'ioctlsocket', `command ${command} is not supported (only FIONREAD and SIOCATMARK)`)
}
