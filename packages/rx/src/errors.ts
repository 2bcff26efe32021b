// The TypeErrors @wsm/rx throws for bad arguments, with the codes Node gives the same mistakes,
// so code that matches on `err.code` works. Failures of the core are its WsmError, passed through.
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
