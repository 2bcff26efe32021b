// Socket#unref()/ref(): a selected socket (asyncSelect, eventSelect) keeps the process alive, as a
// listening net.Server does, until unref() (a child process, loading the built package).
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { Socket } from '../lib/index.js'
import { CHILD_MS, expectClean, runChild } from './helpers/child-run.js'

const CHILD = fileURLToPath(new URL('./fixtures/selected-unref-child.mjs', import.meta.url))

for (const how of ['async', 'event'] as const) {
  describe(`a socket selected by ${how === 'async' ? 'asyncSelect' : 'eventSelect'}`, () => {
    for (const [mode, exitedByItself] of [['ref', false], ['unref', true], ['reref', false]] as const) {
      it(`${mode === 'ref' ? 'left alone' : mode === 'unref' ? 'unref()' : 'unref() then ref()'}: the process ${exitedByItself ? 'exits by itself' : 'stays alive'}`, async () => {
        const run = await runChild(CHILD, [how, mode])
        expect(run.report).toEqual({ how, mode, exitedByItself })
        expectClean(run)
      }, CHILD_MS + 5000)
    }
  })
}

describe('Socket#ref/unref', () => {
  // Their receiver checks are in receivers.test.ts, with every other method's.
  it('are no-ops on a closed socket', () => {
    const s = Socket.tcp()
    s.close()
    expect(() => s.unref()).not.toThrow()
    expect(() => s.ref()).not.toThrow()
  })
})
