// Open descriptors of this process, to show that a teardown closed what it opened.
import { readdirSync } from 'node:fs'
import * as core from '@wsm/core-native'
import { warmUpCore } from '../../../../test-support/warm-up-core.js'

export const openFdCount = (): number => readdirSync('/proc/self/fd').length

/** The count, once the core's lifelong descriptors (its engine, its reactor) exist. */
export function fdBaseline(): number {
  warmUpCore(core)
  return openFdCount()
}
