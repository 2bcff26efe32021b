// Argument checks with Node's rules and Node's errors (lib/internal/fs/utils.js getValidatedPath,
// node_file.cc GetValidFileMode in Node 20), so a bad call fails here as it fails in node:fs.
import { fileURLToPath } from 'node:url'
import { isUint8Array } from 'node:util/types'
import {
  invalidArgType,
  invalidArgValue,
  modeRangeError,
  modeTypeError,
  outOfRange,
} from './node-errors.js'

/** A path as node:fs takes it. */
export type PathLike = string | Buffer | URL

/** A validated path: `path` for the core (UTF-8), or `undefined` when its bytes are not UTF-8. */
export interface ValidPath {
  path: string | undefined
  /** As Node shows it in errors (a Buffer decoded as UTF-8, a file URL as its path). */
  shown: string
  /** What node:fs itself would be given (for paths the core cannot express). */
  raw: string | Buffer
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Node's isURL: anything URL-shaped is taken as a URL (and must then be a file URL). */
function isURL(value: unknown): value is URL {
  const v = value as { href?: unknown; protocol?: unknown; auth?: unknown; path?: unknown } | null | undefined
  return Boolean(v?.href && v.protocol && v.auth === undefined && v.path === undefined)
}

export function validatePath(value: unknown, name: string): ValidPath {
  const raw = isURL(value) ? fileURLToPath(value) : value
  if (typeof raw !== 'string' && !isUint8Array(raw)) {
    throw invalidArgType(name, 'of type string or an instance of Buffer or URL', value)
  }
  // A detached buffer names no path; its own methods would throw V8's uncoded TypeError.
  if (typeof raw !== 'string' && raw.byteLength === 0 && raw.buffer.byteLength === 0 && isDetached(raw.buffer)) {
    throw invalidArgValue(name, raw, 'must not be a detached buffer')
  }
  if (typeof raw === 'string' ? raw.includes('\u0000') : raw.includes(0)) {
    throw invalidArgValue(name, raw, 'must be a string, Uint8Array, or URL without null bytes')
  }
  if (typeof raw === 'string') return { path: raw, shown: raw, raw }
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)
  let path: string | undefined
  try {
    path = utf8.decode(bytes)
  } catch {
    path = undefined
  }
  return { path, shown: bytes.toString('utf8'), raw: bytes }
}

/** Whether `buffer` was transferred away (ArrayBuffer#detached is not in Node 20). */
function isDetached(buffer: ArrayBufferLike): boolean {
  try {
    new Uint8Array(buffer)
    return false
  } catch {
    return true
  }
}

/** The core takes UTF-8 strings; a Buffer path of other bytes cannot be handed to it. */
export function requireUtf8(p: ValidPath, name: string): string {
  if (p.path === undefined) throw invalidArgValue(name, p.raw, 'must be valid UTF-8 here (only copyFile with a mode takes other bytes)')
  return p.path
}

/** copyFile's mode, as Node 20 checks it: a number, truncated, 0 to 7; null and undefined mean 0. */
export function validateMode(mode: unknown): number {
  if (mode === undefined || mode === null) return 0
  if (typeof mode !== 'number') throw modeTypeError()
  if (!Number.isFinite(mode)) throw modeRangeError(false)
  const m = Math.trunc(mode)
  if (m < 0 || m > 7) throw modeRangeError(true)
  return m | 0
}

export function validateObject(value: unknown, name: string): Record<string, unknown> {
  if (value === undefined) return {}
  // Nor a typed array: its inherited methods (filter, ...) would be read as options and called.
  if (value === null || typeof value !== 'object' || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw invalidArgType(name, 'of type object', value)
  }
  return value as Record<string, unknown>
}

export function optionalBoolean(options: Record<string, unknown>, key: string): boolean | undefined {
  const v = options[key]
  if (v !== undefined && typeof v !== 'boolean') throw invalidArgType(`options.${key}`, 'of type boolean', v)
  return v as boolean | undefined
}

export function optionalInteger(options: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = options[key]
  if (v === undefined) return undefined
  const name = `options.${key}`
  if (typeof v !== 'number') throw invalidArgType(name, 'of type number', v)
  if (!Number.isInteger(v)) throw outOfRange(name, 'an integer', v)
  if (v < min || v > max) throw outOfRange(name, `>= ${min} && <= ${max}`, v)
  return v
}

export function optionalFunction<F extends (...args: never[]) => unknown>(options: Record<string, unknown>, key: string): F | undefined {
  const v = options[key]
  if (v !== undefined && typeof v !== 'function') throw invalidArgType(`options.${key}`, 'of type function', v)
  return v as F | undefined
}

export function optionalSignal(options: Record<string, unknown>): AbortSignal | undefined {
  const v = options.signal
  if (v !== undefined && !(v instanceof AbortSignal)) throw invalidArgType('options.signal', 'an instance of AbortSignal', v)
  return v as AbortSignal | undefined
}

export function optionalOneOf<T extends string>(options: Record<string, unknown>, key: string, allowed: readonly T[]): T | undefined {
  const v = options[key]
  if (v === undefined) return undefined
  if (!allowed.includes(v as T)) {
    throw invalidArgValue(`options.${key}`, v, `must be one of: ${allowed.map((a) => `'${a}'`).join(', ')}`)
  }
  return v as T
}
