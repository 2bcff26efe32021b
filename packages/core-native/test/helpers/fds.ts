// Counting this process's open file descriptors, to prove that nothing the core opens (sockets,
// the epoll sets of pending selects) outlives the objects that own it.
import { readdirSync, readlinkSync } from 'node:fs'
import { afterAll, beforeAll, expect } from 'vitest'
import * as core from '../../lib/index.js'
import { warmUpCore as warmUpCoreOf } from '../../../../test-support/warm-up-core.js'

const FD_DIR = '/proc/self/fd'

/** The number of entries of /proc/self/fd (the directory's own descriptor included, both times). */
export function openFdCount(): number {
  return readdirSync(FD_DIR).length
}

/**
 * fd -> what it points at ("socket:[123]", "anon_inode:[eventpoll]", ...), for failure messages.
 * (The descriptor readdir used is closed by the time readlink looks, so it is not in the map.)
 */
export function openFds(): Map<number, string> {
  const out = new Map<number, string>()
  for (const name of readdirSync(FD_DIR)) {
    try {
      out.set(Number(name), readlinkSync(`${FD_DIR}/${name}`))
    } catch {
      // the directory's own descriptor, gone by the time we look
    }
  }
  return out
}

/**
 * Lets libuv run its close callbacks: a select's epoll descriptor is closed in the uv_close
 * callback of its poll handle, one loop iteration after the select settles.
 */
export async function settleLoop(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** The core's lifelong descriptors made before counting (see test-support/warm-up-core.ts). */
export function warmUpCore(): void {
  warmUpCoreOf(core)
}

/**
 * Records the open descriptors before the suite and asserts, after `cleanup` (close everything the
 * suite may have left open), that exactly as many are open again.
 */
export function expectNoFdLeaks(cleanup: () => void | Promise<void> = () => {}): void {
  let before = new Map<number, string>()
  let beforeCount = 0
  beforeAll(async () => {
    warmUpCore()
    await settleLoop()
    before = openFds()
    beforeCount = openFdCount()
  })
  afterAll(async () => {
    await cleanup()
    await settleLoop()
    const after = openFds()
    const leaked = [...after].filter(([fd, target]) => before.get(fd) !== target)
    const gone = [...before].filter(([fd, target]) => after.get(fd) !== target)
    expect({ leaked, gone }).toEqual({ leaked: [], gone: [] })
    expect(openFdCount()).toBe(beforeCount)
  })
}
