// Winsock's constants, with their Winsock values (winsock2.h), so ported code reads the same.

/** Network events (WSAAsyncSelect / WSAEventSelect). */
export const FD_READ = 1
export const FD_WRITE = 2
export const FD_OOB = 4
export const FD_ACCEPT = 8
export const FD_CONNECT = 16
export const FD_CLOSE = 32

/** Results of waits. */
export const WSA_WAIT_EVENT_0 = 0
export const WSA_WAIT_TIMEOUT = 258
export const WAIT_IO_COMPLETION = 192

/** Limits. */
export const WSA_MAXIMUM_WAIT_EVENTS = 64
export const FD_SETSIZE = 64
