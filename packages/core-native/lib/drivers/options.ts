// Checks of the options listen() and connect() take, shared by every driver.
import { isIP } from 'node:net'
import { invalidType, invalidValue } from '../errors.js'

export function checkOptions(options: unknown): Record<string, unknown> {
  if (typeof options !== 'object' || options === null) throw invalidType('options', 'an object', options)
  return options as Record<string, unknown>
}

export function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number') throw invalidType(name, 'a number', value)
  if (!Number.isInteger(value) || value < min || value > max) throw invalidValue(name, `an integer from ${min} to ${max}`, value)
  return value
}

export function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalidType(name, 'a boolean', value)
  return value
}

/** An IP literal or 'localhost' (what Socket#bind and #connect take); its family decides the socket's. */
export function checkHost(name: string, value: unknown): { host: string; family: 4 | 6 } {
  if (typeof value !== 'string') throw invalidType(name, 'a string', value)
  if (value === 'localhost') return { host: value, family: 4 }
  const family = isIP(value)
  if (family === 0) throw invalidValue(name, "an IPv4 or IPv6 address, or 'localhost'", value)
  return { host: value, family: family as 4 | 6 }
}
