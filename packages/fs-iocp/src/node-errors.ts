// Errors shaped like Node's own (lib/internal/errors.js), so code that matches on `code` or on the
// class of a bad-argument error behaves the same with this package as with node:fs.
import { inspect } from 'node:util'

export type NodeError<E extends Error = Error> = E & { code: string }

type ErrorClass<E extends Error> = new (message: string) => E

/**
 * `withCodeInStack`: Node's JavaScript-side errors show their code in the stack's first line
 * ("TypeError [ERR_INVALID_ARG_TYPE]: ..."); the ones its C++ throws (the copy mode's) do not.
 */
function nodeError<E extends Error>(Base: ErrorClass<E>, code: string, message: string, withCodeInStack = true): NodeError<E> {
  const err = new Base(message) as NodeError<E>
  Error.captureStackTrace(err, nodeError)
  if (withCodeInStack) {
    err.name = `${err.name} [${code}]`
    void err.stack // the header is formatted now, with the code in it
    delete (err as { name?: string }).name
  }
  err.code = code
  return err
}

/** Node's "Received ..." for ERR_INVALID_ARG_TYPE (determineSpecificType). */
function describeReceived(value: unknown): string {
  if (value == null) return String(value)
  if (typeof value === 'function' && value.name) return `function ${value.name}`
  if (typeof value === 'object') {
    const name = (value as { constructor?: { name?: string } }).constructor?.name
    return name ? `an instance of ${name}` : inspect(value, { depth: -1 })
  }
  let shown = inspect(value, { colors: false })
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`
  return `type ${typeof value} (${shown})`
}

function subject(name: string): string {
  return name.includes('.') || name.includes('[') ? 'property' : 'argument'
}

/** ERR_INVALID_ARG_TYPE. `expected` as Node words it: "of type string", "an instance of AbortSignal". */
export function invalidArgType(name: string, expected: string, value: unknown): NodeError<TypeError> {
  return nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', `The "${name}" ${subject(name)} must be ${expected}. Received ${describeReceived(value)}`)
}

/** ERR_INVALID_ARG_VALUE: the right type, a value that cannot be used. */
export function invalidArgValue(name: string, value: unknown, reason = 'is invalid'): NodeError<TypeError> {
  let shown = inspect(value)
  if (shown.length > 128) shown = `${shown.slice(0, 128)}...`
  return nodeError(TypeError, 'ERR_INVALID_ARG_VALUE', `The ${subject(name)} '${name}' ${reason}. Received ${shown}`)
}

/** ERR_OUT_OF_RANGE, as validateInteger raises it. */
export function outOfRange(name: string, range: string, value: unknown): NodeError<RangeError> {
  return nodeError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be ${range}. Received ${inspect(value)}`)
}

/** ERR_INCOMPATIBLE_OPTION_PAIR. */
export function incompatibleOptions(a: string, b: string): NodeError<TypeError> {
  return nodeError(TypeError, 'ERR_INCOMPATIBLE_OPTION_PAIR', `Option "${a}" cannot be used in combination with option "${b}"`)
}

/** The copy mode's errors, word for word as Node 20's C++ (GetValidFileMode) raises them. */
export function modeTypeError(): NodeError<TypeError> {
  return nodeError(TypeError, 'ERR_INVALID_ARG_TYPE', 'mode must be int32 or null/undefined', false)
}

export function modeRangeError(withRange: boolean): NodeError<RangeError> {
  return nodeError(RangeError, 'ERR_OUT_OF_RANGE', withRange ? 'mode is out of range: >= 0 && <= 7' : 'mode is out of range', false)
}
