// Real TCP sockets on the loopback interfaces, and a registry that closes them after each test.
import { afterEach } from 'vitest'
import { Socket, WsmError } from '../../lib/index.js'
import { WAIT_MS } from './time.js'

export type Family = 4 | 6
export const FAMILIES: readonly Family[] = [4, 6]
export const LOOPBACK: Record<Family, string> = { 4: '127.0.0.1', 6: '::1' }

const open = new Set<Socket>()

/** Registers `s` to be closed after the test; returns it. */
export function track<T extends Socket | null>(s: T): T {
  if (s) open.add(s)
  return s
}

/** Closes every socket made through these helpers (or track()). Idempotent. */
export function closeAll(): void {
  for (const s of open) s.close()
  open.clear()
}

/** Registers closeAll() after each test of the file. */
export function useSocketCleanup(): void {
  afterEach(closeAll)
}

export function tcp(family: Family = 4): Socket {
  return track(Socket.tcp({ family }))
}

/** A listener on the loopback address of `family`, on a port the kernel picks. */
export function listener(family: Family = 4, backlog?: number): Socket {
  const s = tcp(family)
  s.bind(0, LOOPBACK[family])
  s.listen(backlog)
  return s
}

/** A loopback port nobody listens on (bound, then released: a connect there is refused). */
export function closedPort(family: Family = 4): number {
  const s = Socket.tcp({ family })
  try {
    s.bind(0, LOOPBACK[family])
    return s.localPort
  } finally {
    s.close()
  }
}


/**
 * Calls `attempt` until it gives something other than null/undefined/false (an EWOULDBLOCK counts
 * as "not yet"), at most WAIT_MS. For waiting without select, so the socket tests do not depend
 * on the select model.
 */
export async function eventually<T>(attempt: () => T | null | undefined | false, what: string): Promise<T> {
  const deadline = Date.now() + WAIT_MS
  for (;;) {
    let value: T | null | undefined | false = null
    try {
      value = attempt()
    } catch (e) {
      if (!(e instanceof WsmError && e.code === 'EWOULDBLOCK')) throw e
    }
    if (value !== null && value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`gave up after ${WAIT_MS} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

export interface Pair {
  server: Socket
  /** The connecting side. */
  client: Socket
  /** The accepted side. */
  peer: Socket
}

/**
 * A connected pair. Once the listener has the connection queued the handshake is complete, so the
 * client is connected too.
 */
export async function pair(family: Family = 4): Promise<Pair> {
  const server = listener(family)
  const client = tcp(family)
  client.connect(server.localPort, LOOPBACK[family])
  const peer = track(await eventually(() => server.accept(), 'accept'))
  return { server, client, peer }
}

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text)
}

export function text(buf: Uint8Array, n: number): string {
  return new TextDecoder().decode(buf.subarray(0, n))
}

/** Receives until `n` bytes have come (or the peer closed), waiting without select. */
export async function recvExactly(s: Socket, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n)
  let got = 0
  while (got < n) {
    const k = await eventually(() => {
      const r = s.recv(out.subarray(got))
      return r === 0 ? -1 : r // 0 is an orderly close: stop rather than retry
    }, `${n - got} more bytes`)
    if (k === -1) break
    got += k
  }
  return out.subarray(0, got)
}

/** recv() until it reports the orderly close (0), discarding data; waits without select. */
export async function recvUntilClosed(s: Socket): Promise<number> {
  const buf = new Uint8Array(64 * 1024)
  let total = 0
  await eventually(() => {
    const n = s.recv(buf)
    total += n
    return n === 0
  }, 'the orderly close')
  return total
}
