// Checks of the options and the net-style argument lists (options | port, host?, ..., callback?)
// that Socket, Server, connect() and listen() take.
import { isIP } from 'node:net'
import { MODELS, type Model } from '@wsm/core-native'
import { badPort, invalidArgType, invalidArgValue } from './errors.js'

export type Callback = (...args: never[]) => void

export function checkObject(name: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw invalidArgType(name, 'of type object', value)
  return value as Record<string, unknown>
}

export function optionalBoolean(name: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'boolean') throw invalidArgType(name, 'of type boolean', value)
  return value
}

export function optionalFunction<F extends Callback>(name: string, value: unknown): F | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'function') throw invalidArgType(name, 'of type function', value)
  return value as F
}

/** A number of milliseconds (or a count) from 0 up; Infinity when `infinite` allows it. */
export function checkNonNegative(name: string, value: unknown, infinite = false): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!(value >= 0) || (!Number.isFinite(value) && !(infinite && value === Infinity))) {
    throw invalidArgValue(name, `must be a number >= 0${infinite ? ' or Infinity' : ''}`, value)
  }
  return value
}

/** One of the core's six models, 'iocp' when omitted. */
export function checkModel(name: string, value: unknown): Model {
  if (value === undefined) return 'iocp'
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string', value)
  if (!(MODELS as readonly string[]).includes(value)) throw invalidArgValue(name, `must be one of ${MODELS.join(', ')}`, value)
  return value as Model
}

/** A port as net takes it: an integer (or a string of one) from 0 (when `allowZero`) to 65535. */
export function checkPort(name: string, value: unknown, allowZero: boolean): number {
  if (typeof value !== 'number' && typeof value !== 'string') throw invalidArgType(name, 'of type number or string', value)
  const port = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof port !== 'number' || !Number.isInteger(port) || port < (allowZero ? 0 : 1) || port > 65535) throw badPort(name, value)
  return port
}

/** An IP literal or 'localhost': the core resolves no other names. */
export function checkHost(name: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string', value)
  if (value !== 'localhost' && isIP(value) === 0) throw invalidArgValue(name, "must be an IP address or 'localhost' (no DNS)", value)
  return value
}

/** Splits net's (options | port, host?, ...rest, callback?) into the options object and the callback. */
export function splitArgs(args: unknown[], positional: readonly string[]): { options: Record<string, unknown>; callback: unknown } {
  const list = [...args]
  const callback = typeof list[list.length - 1] === 'function' ? list.pop() : undefined
  const [first] = list
  if (typeof first === 'object' && first !== null) return { options: first as Record<string, unknown>, callback }
  const options: Record<string, unknown> = {}
  positional.forEach((key, i) => {
    if (list[i] !== undefined) options[key] = list[i]
  })
  return { options, callback }
}
