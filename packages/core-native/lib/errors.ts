import { constants as osConstants } from 'node:os'
import { getSystemErrorMap, getSystemErrorName } from 'node:util'

/**
 * Winsock's numbers for the POSIX codes they stand for (winsock2.h: WSABASEERR + n), so code that
 * was written against WSAGetLastError() can keep its switch statements.
 */
const WSA_CODES: Readonly<Record<string, number>> = {
  EINTR: 10004,
  EBADF: 10009,
  EACCES: 10013,
  EFAULT: 10014,
  EINVAL: 10022,
  EMFILE: 10024,
  EWOULDBLOCK: 10035,
  EINPROGRESS: 10036,
  EALREADY: 10037,
  ENOTSOCK: 10038,
  EDESTADDRREQ: 10039,
  EMSGSIZE: 10040,
  EPROTOTYPE: 10041,
  ENOPROTOOPT: 10042,
  EPROTONOSUPPORT: 10043,
  ESOCKTNOSUPPORT: 10044,
  EOPNOTSUPP: 10045,
  // Linux's EOPNOTSUPP and ENOTSUP are one number (95), which Node names ENOTSUP, as libuv does
  // (listen on a UDP socket, an ioctl Windows does not support).
  ENOTSUP: 10045,
  EPFNOSUPPORT: 10046,
  EAFNOSUPPORT: 10047,
  EADDRINUSE: 10048,
  EADDRNOTAVAIL: 10049,
  ENETDOWN: 10050,
  ENETUNREACH: 10051,
  ENETRESET: 10052,
  ECONNABORTED: 10053,
  ECONNRESET: 10054,
  ENOBUFS: 10055,
  EISCONN: 10056,
  ENOTCONN: 10057,
  ESHUTDOWN: 10058,
  ETOOMANYREFS: 10059,
  ETIMEDOUT: 10060,
  ECONNREFUSED: 10061,
  ELOOP: 10062,
  ENAMETOOLONG: 10063,
  EHOSTDOWN: 10064,
  EHOSTUNREACH: 10065,
  ENOTEMPTY: 10066,
  EUSERS: 10068,
  EDQUOT: 10069,
  ESTALE: 10070,
  EREMOTE: 10071,
  // WSA_OPERATION_ABORTED: an overlapped operation cancelled by closesocket or CancelIo.
  ECANCELED: 995,
}

export interface WsmErrorFields {
  code: string
  errno: number
  syscall: string
  wsaCode?: number
}

/**
 * The error of every failed call. `code` is the POSIX name (stable: match on it), `errno` Node's
 * negative number for it (as in Node's own system errors), `syscall` the call that failed and
 * `wsaCode` Winsock's number for the same condition, where Winsock has one.
 */
export class WsmError extends Error {
  code: string
  errno: number
  syscall: string
  wsaCode?: number

  constructor(message: string, fields: WsmErrorFields) {
    if (typeof message !== 'string') throw invalidType('message', 'a string', message)
    if (typeof fields !== 'object' || fields === null) throw invalidType('fields', 'an object', fields)
    super(message)
    this.name = 'WsmError'
    this.code = fields.code
    this.errno = fields.errno
    this.syscall = fields.syscall
    if (fields.wsaCode !== undefined) this.wsaCode = fields.wsaCode
  }
}

let systemErrors: Map<number, [string, string]> | undefined
let kernelNames: Map<number, string> | undefined

/** errno -> name from os.constants.errno (the first name wins where two share a number). */
function errnoNames(): Map<number, string> {
  if (!kernelNames) {
    kernelNames = new Map()
    for (const [name, n] of Object.entries(osConstants.errno)) if (!kernelNames.has(n)) kernelNames.set(n, name)
  }
  return kernelNames
}

/** A WsmError for a positive errno as the kernel reports it. `detail` replaces strerror's text. */
export function systemError(errno: number, syscall: string, detail?: string): WsmError {
  systemErrors ??= getSystemErrorMap()
  let code: string
  try {
    code = getSystemErrorName(-errno)
  } catch {
    code = `E${errno}`
  }
  // libuv names only the errnos it maps; for the others (EINPROGRESS, ENETRESET, ESTALE, EDQUOT,
  // ...) getSystemErrorName answers "Unknown system error -115", which is no code to match on.
  // The kernel's own names (os.constants.errno) fill the gap.
  if (!/^E[A-Z0-9]+$/.test(code)) code = errnoNames().get(errno) ?? `E${errno}`
  // Winsock has one name for "try again", and it is the one its users know.
  if (code === 'EAGAIN') code = 'EWOULDBLOCK'
  const text = detail || systemErrors.get(-errno)?.[1] || 'unknown error'
  const err = new WsmError(`${syscall} ${code}: ${text}`, { code, errno: -errno, syscall, wsaCode: WSA_CODES[code] })
  Error.captureStackTrace(err, systemError)
  return err
}

/**
 * A WsmError for an error that Winsock reports as a number (wsaCodeOf's: WSAEnumNetworkEvents'
 * errors, a window message's WSAGETSELECTERROR), failed in `syscall`.
 */
export function wsaError(wsaCode: number, syscall: string): WsmError {
  const code = Object.keys(WSA_CODES).find((name) => WSA_CODES[name] === wsaCode)
  const errno = code === undefined ? undefined : (osConstants.errno as Record<string, number | undefined>)[code]
  // Not a Winsock number: wsaCodeOf passed the errno through.
  return systemError(errno ?? wsaCode, syscall)
}

/** Winsock's number for a positive errno (WSAECONNRESET for ECONNRESET, ...), else the errno. */
export function wsaCodeOf(errno: number): number {
  if (errno === 0) return 0
  let code: string
  try {
    code = getSystemErrorName(-errno)
  } catch {
    return errno
  }
  if (code === 'EAGAIN') code = 'EWOULDBLOCK'
  return WSA_CODES[code] ?? errno
}

/** EINVAL: an argument of the right type with a value the call cannot take. */
export function invalidArgument(syscall: string, detail: string): WsmError {
  return systemError(22, syscall, detail)
}

/** A TypeError with Node's code for it, for an argument of the wrong type. */
export function invalidType(name: string, expected: string, actual: unknown): TypeError {
  return codedTypeError(`The "${name}" argument must be ${expected}, got ${describe(actual)}`, 'ERR_INVALID_ARG_TYPE')
}

/** A TypeError with Node's ERR_INVALID_ARG_VALUE, for an argument of the right type and a value outside its domain. */
export function invalidValue(name: string, expected: string, actual: unknown): TypeError {
  return codedTypeError(`The "${name}" argument must be ${expected}, got ${describe(actual)}`, 'ERR_INVALID_ARG_VALUE')
}

/**
 * A TypeError with Node's ERR_INVALID_THIS, for a method or getter called on something that is not
 * an instance of its class (`Socket.prototype.recv.call({})`, or an object made with
 * `Object.create(Socket.prototype)`, which passes `instanceof` but has none of the state).
 */
export function invalidThis(type: string): TypeError {
  return codedTypeError(`Value of "this" must be of type ${type}`, 'ERR_INVALID_THIS')
}

/** A TypeError with Node's ERR_ILLEGAL_CONSTRUCTOR, for `new` on a class the library makes itself. */
export function illegalConstructor(type: string, use: string): TypeError {
  return codedTypeError(`Illegal constructor: ${type} objects are made by ${use}`, 'ERR_ILLEGAL_CONSTRUCTOR')
}

function codedTypeError(message: string, code: string): TypeError {
  const err = new TypeError(message) as TypeError & { code: string }
  err.code = code
  return err
}

/** The value as an error message names it. Never throws: a revoked Proxy or a throwing getter is still described. */
function describe(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'function') return `function ${typeof value.name === 'string' ? value.name : ''}`.trimEnd()
  if (typeof value !== 'object') return `${typeof value} ${String(value)}`
  try {
    if (Array.isArray(value)) return 'an array'
    const name = (value as object).constructor?.name
    return `an instance of ${typeof name === 'string' ? name : 'Object'}`
  } catch {
    return 'an object'
  }
}

/**
 * A function that can be called as a callback: classes are functions too, but calling one without
 * `new` always throws, so a completion routine or window procedure must not be one. Arrow
 * functions, methods and bound functions (most callbacks: Connection#write checks one on every
 * call) have no own 'prototype' and are never classes; only the others are asked for their
 * source text, which costs a string as long as the function.
 */
export function isCallable(value: unknown): value is (...args: never[]) => unknown {
  if (typeof value !== 'function') return false
  return !Object.hasOwn(value, 'prototype') || !Function.prototype.toString.call(value).startsWith('class')
}
