import { readdirSync } from 'node:fs'

export const openFds = (): number => readdirSync('/proc/self/fd').length

/** Polls `condition` every 5 ms; throws after `ms` so that no test can hang. */
export async function waitFor(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}
