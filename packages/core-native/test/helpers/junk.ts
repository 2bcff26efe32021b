// Values to throw at the native boundary: junk of every JavaScript type, and a few traps.

/** Thrown by user code (a getter, an iterator) during validation: propagating it is correct. */
export const USER_ERROR = new Error('thrown by user code')

/**
 * An error raised by user code while the library read an argument: USER_ERROR from a getter or an
 * iterator, or V8's own TypeError for touching a revoked Proxy (whose traps are user code: Node's
 * validators let it through the same way). Anything else thrown must be one of the library's errors.
 */
export function isUserCodeError(e: unknown): boolean {
  if (e === USER_ERROR) return true
  return e instanceof TypeError && !('code' in e) && /on a proxy that has been revoked/.test(e.message)
}

/** Thrown when anything coerces the value (valueOf, toString, toPrimitive): the core never should. */
export const COERCED = new Error('the core coerced a value it should only have type-checked')

export const coercionTrap = {
  valueOf(): never {
    throw COERCED
  },
  toString(): never {
    throw COERCED
  },
  [Symbol.toPrimitive](): never {
    throw COERCED
  },
}

function detachedView(): Uint8Array {
  const u = new Uint8Array(8)
  structuredClone(u.buffer, { transfer: [u.buffer] })
  return u
}

function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {})
  revoke()
  return proxy
}

export const JUNK: readonly unknown[] = [
  // numbers
  0, -0, 1, -1, 4, 6, 7, 80, 1.5, -1.5, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 31 - 1, 2 ** 53, Number.MAX_VALUE,
  Number.MIN_VALUE, 65535, 65536, 1e-300,
  // strings
  '', 'send', 'receive', 'both', '127.0.0.1', '::1', 'localhost', 'example.com', '0.0.0.0', '\0', '127.0.0.1\0',
  'a'.repeat(5000), '\u{1F600}', '\uD800', '4', 'read',
  // symbols
  Symbol('junk'), Symbol.iterator,
  // bigints
  0n, 1n, -1n, 2n ** 64n,
  // functions
  () => {}, function named() {}, class Junk {}, async () => {},
  // the other primitives
  undefined, null, true, false,
  // objects
  {}, { family: 6 }, { family: '6' }, { family: 5 }, { read: 1 }, Object.create(null), new Date(0), /re/, new Map(),
  new Set(), new WeakMap(), new Proxy({}, {}), revokedProxy(), new Error('junk'), Promise.resolve(1), new Number(4),
  new String('send'), new Boolean(true), coercionTrap,
  // traps that throw from user code
  {
    get family(): never {
      throw USER_ERROR
    },
  },
  {
    [Symbol.iterator](): never {
      throw USER_ERROR
    },
  },
  // arrays
  [], [1, 2], new Array(5), [[]], [null], ['127.0.0.1'], Array.from({ length: 100 }, (_, i) => i),
  // buffers and views
  new Uint8Array(0), new Uint8Array(16), new Uint8Array([1, 9, 0]), Buffer.alloc(8), new Float64Array(2),
  new BigInt64Array(1), new DataView(new ArrayBuffer(4)), new ArrayBuffer(8), new SharedArrayBuffer(8),
  new Uint8Array(new SharedArrayBuffer(8)), new Uint8Array(64 * 1024), detachedView(),
]

/** A small deterministic PRNG (mulberry32), so a failing run can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A short, never-throwing description of a value, for failure reports. */
export function show(value: unknown): string {
  try {
    if (typeof value === 'string') return JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value)
    if (typeof value === 'bigint') return `${value}n`
    if (typeof value === 'symbol' || typeof value === 'function') return typeof value
    if (value === null || typeof value !== 'object') return String(value)
    return Object.prototype.toString.call(value)
  } catch {
    return '<unprintable>'
  }
}
