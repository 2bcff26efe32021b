// The Winsock numbers the conformance tests expect beside the POSIX code, and an assertion on both.
import { expect } from 'vitest'
import type { WsmError } from '../../lib/index.js'
import { checkWsmError, thrown } from '../helpers/errors.js'

export const WSAEINVAL = 10022
export const WSAEWOULDBLOCK = 10035
export const WSAEALREADY = 10037
export const WSAENOPROTOOPT = 10042
export const WSAECONNABORTED = 10053
export const WSAEISCONN = 10056
export const WSAENOTCONN = 10057
export const WSAESHUTDOWN = 10058

/**
 * Asserts that `fn` throws a WsmError with POSIX `code`, Winsock `wsaCode` and `syscall`; `what`
 * names the case in a failure (for loops over several).
 */
export function expectWinsockError(fn: () => unknown, code: string, wsaCode: number, syscall: string, what?: string): void {
  const e = thrown(fn) as WsmError
  expect({ code: e?.code, wsaCode: e?.wsaCode, syscall: e?.syscall }, what).toEqual({ code, wsaCode, syscall })
  checkWsmError(e, code)
}

// Datagram sockets (udp.test.ts).
export const WSAEMSGSIZE = 10040
export const WSAEOPNOTSUPP = 10045
export const WSAEADDRINUSE = 10048
export const WSAEADDRNOTAVAIL = 10049
export const WSAECONNRESET = 10054
