// The errors @wsm/streams makes itself, with the codes node:net gives for the same mistakes, so
// code that matches on net's `err.code` matches on ours. The socket's I/O errors are the core's
// WsmError (code, errno, syscall) and pass through unchanged.
import { inspect } from 'node:util'

type Coded<E extends Error> = E & { code: string }

function coded<E extends Error>(err: E, code: string): Coded<E> {
  return Object.assign(err, { code })
}

/** ERR_INVALID_ARG_TYPE: an argument of the wrong type. */
export function invalidArgType(name: string, expected: string, value: unknown): Coded<TypeError> {
  return coded(new TypeError(`The "${name}" argument must be ${expected}. Received ${inspect(value)}`), 'ERR_INVALID_ARG_TYPE')
}

/** ERR_INVALID_ARG_VALUE: an argument of the right type with a value it cannot take. */
export function invalidArgValue(name: string, reason: string, value: unknown): Coded<TypeError> {
  return coded(new TypeError(`The argument '${name}' ${reason}. Received ${inspect(value)}`), 'ERR_INVALID_ARG_VALUE')
}

/** ERR_SOCKET_BAD_PORT, a RangeError as net throws it. */
export function badPort(name: string, value: unknown): Coded<RangeError> {
  return coded(new RangeError(`${name} should be >= 0 and < 65536. Received ${inspect(value)}`), 'ERR_SOCKET_BAD_PORT')
}

/** EPIPE for a write after the peer's FIN ended our side too (allowHalfOpen false), as net words it. */
export function endedByPeer(): Coded<Error> {
  return coded(new Error('This socket has been ended by the other party'), 'EPIPE')
}

/** A write that was waiting for the connection when the socket was destroyed. */
export function closedBeforeConnection(): Coded<Error> {
  return coded(new Error('Socket closed before the connection was established'), 'ERR_SOCKET_CLOSED_BEFORE_CONNECTION')
}

/** connect() on a socket that is connecting or connected. */
export function alreadyConnected(): Coded<Error> {
  return coded(new Error('Socket is already connecting or connected'), 'ERR_SOCKET_CONNECTING')
}

/** close(cb) on a server that is not listening, as net reports it to cb. */
export function serverNotRunning(): Coded<Error> {
  return coded(new Error('Server is not running.'), 'ERR_SERVER_NOT_RUNNING')
}

/** listen() on a server that already listens. */
export function serverAlreadyListening(): Coded<Error> {
  return coded(new Error('Listen method has been called more than once without closing.'), 'ERR_SERVER_ALREADY_LISTEN')
}

/** connect() on a socket that was destroyed. */
export function socketClosed(): Coded<Error> {
  return coded(new Error('Socket is closed'), 'ERR_SOCKET_CLOSED')
}
