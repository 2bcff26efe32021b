// Checks of the arguments the creation functions take, run when they are called (not on
// subscribe), as RxJS's own creation functions do.
import { invalidArgType, invalidArgValue } from './errors.js'

/** An options object; `undefined` is an empty one. */
export function checkOptions(name: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null) throw invalidArgType(name, 'of type object', value)
  return value as Record<string, unknown>
}

/** An integer from `min` to `max`, or `fallback` when undefined. */
export function checkInteger(name: string, value: unknown, min: number, max: number, fallback: number): number
export function checkInteger(name: string, value: unknown, min: number, max: number): number | undefined
export function checkInteger(name: string, value: unknown, min: number, max: number, fallback?: number): number | undefined {
  if (value === undefined) return fallback
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value)
  if (!Number.isInteger(value) || value < min || value > max) throw invalidArgValue(name, `must be an integer from ${min} to ${max}`, value)
  return value
}

/** One of `choices`. */
export function checkChoice<T extends string>(name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string', value)
  if (!(choices as readonly string[]).includes(value)) throw invalidArgValue(name, `must be one of ${choices.map((c) => `'${c}'`).join(', ')}`, value)
  return value as T
}

/** Whether `value` passes the brand check of `getter` (a class's getter that throws ERR_INVALID_THIS on foreign receivers). */
export function hasBrand(value: unknown, proto: object, getter: string): boolean {
  if (typeof value !== 'object' || value === null) return false
  const get = Object.getOwnPropertyDescriptor(proto, getter)?.get
  try {
    get?.call(value)
    return get !== undefined
  } catch {
    return false
  }
}
