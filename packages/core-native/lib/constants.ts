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

/** Option levels (setsockopt / getsockopt). */
export const SOL_SOCKET = 0xffff
export const IPPROTO_TCP = 6

/** SOL_SOCKET options. */
/** Read only: is the socket listening. */
export const SO_ACCEPTCONN = 0x0002
export const SO_REUSEADDR = 0x0004
export const SO_KEEPALIVE = 0x0008
export const SO_LINGER = 0x0080
export const SO_OOBINLINE = 0x0100
export const SO_SNDBUF = 0x1001
export const SO_RCVBUF = 0x1002
/** `~SO_REUSEADDR`, as winsock2.h defines it. */
export const SO_EXCLUSIVEADDRUSE = -5

/** IPPROTO_TCP options. */
export const TCP_NODELAY = 0x0001

/** ioctlsocket commands. `_IOR('f', 127, u_long)`. */
export const FIONREAD = 0x4004667f

/** WSAPoll's events and revents (WSAPOLLFD). `POLLIN` is `POLLRDNORM | POLLRDBAND`, `POLLOUT` is `POLLWRNORM`. */
export const POLLRDNORM = 0x0100
export const POLLRDBAND = 0x0200
export const POLLIN = POLLRDNORM | POLLRDBAND
export const POLLPRI = 0x0400
export const POLLWRNORM = 0x0010
export const POLLOUT = POLLWRNORM
export const POLLWRBAND = 0x0020
export const POLLERR = 0x0001
export const POLLHUP = 0x0002
export const POLLNVAL = 0x0004

/** `_IOR('s', 7, u_long)`: whether no urgent data waits to be read out of band. */
export const SIOCATMARK = 0x40047307

/** recv / send flags. */
export const MSG_OOB = 0x1
export const MSG_PEEK = 0x2
