// select()'s `ref` option: whether a pending select keeps the process alive (a child process,
// loading the built package), and that an unref'd select still resolves when a socket is ready.
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { FdSet, select } from '../lib/index.js'
import { CHILD_MS, expectClean, runChild } from './helpers/child-run.js'
import { expectNoFdLeaks } from './helpers/fds.js'
import { bytes, closeAll, pair, useSocketCleanup } from './helpers/sockets.js'
import { within } from './helpers/time.js'

const CHILD = fileURLToPath(new URL('./fixtures/select-ref-child.mjs', import.meta.url))

expectNoFdLeaks(closeAll)
useSocketCleanup()

describe('select() { ref }', () => {
  it('a pending select keeps the process alive by default (the control: an unref\'d timer has to end it)', async () => {
    const run = await runChild(CHILD, ['ref'])
    expect(run.report).toEqual({ mode: 'ref', exitedByItself: false })
    expectClean(run)
  }, CHILD_MS + 5000)

  it('{ ref: false }: the process exits by itself while the select waits', async () => {
    const run = await runChild(CHILD, ['unref'])
    expect(run.report).toEqual({ mode: 'unref', exitedByItself: true })
    expectClean(run)
  }, CHILD_MS + 5000)

  it('{ ref: false } with a time-out: its timer does not hold the process either', async () => {
    const run = await runChild(CHILD, ['unref-timeout'])
    expect(run.report).toEqual({ mode: 'unref-timeout', exitedByItself: true })
    expectClean(run)
  }, CHILD_MS + 5000)

  it('an unref\'d select resolves when a socket becomes ready, as a ref\'d one does', async () => {
    const { client, peer } = await pair(4)
    const read = new FdSet([peer])
    const p = select({ read }, undefined, { ref: false })
    setTimeout(() => client.send(bytes('x')), 20)
    expect(await within(p, 'select')).toBe(1)
    expect([...read]).toEqual([peer])
  })
})
