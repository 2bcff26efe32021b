// No descriptor outlives its socket: after servers of every model accepted, echoed and closed
// connections (some ended, some destroyed, one refused), this process holds the descriptors it
// held before.
import { readdirSync } from 'node:fs'
import * as core from '@wsm/core-native'
import { expect, it } from 'vitest'
import { warmUpCore } from '../../../test-support/warm-up-core.js'
import { connect } from '../src/index.js'
import { ALL_MODELS, listening, next, readAll, shutDown, within } from './helpers/sockets.js'

const openFdCount = () => readdirSync('/proc/self/fd').length

it.runIf(process.platform === 'linux')('servers and sockets of every model close every descriptor they open', async () => {
  warmUpCore(core)
  const before = openFdCount()
  for (const model of ALL_MODELS) {
    const { server, port } = await listening(model, (s) => s.on('error', () => {}).pipe(s))
    const sockets = Array.from({ length: 10 }, () => connect({ port, host: '127.0.0.1', model }))
    await within(Promise.all(sockets.map((s) => next(s, 'connect'))), 'ten connections')
    const ended = sockets.slice(0, 5).map((s) => {
      const echoed = readAll(s)
      s.end('echo me')
      return echoed
    })
    expect((await within(Promise.all(ended), 'the echoes')).map(String)).toEqual(Array(5).fill('echo me'))
    const refused = connect({ port: 1, host: '127.0.0.1', model }).on('error', () => {})
    await next(refused, 'close')
    await shutDown(server, ...sockets.slice(5))
  }
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r)) // libuv's close callbacks
  expect(openFdCount()).toBe(before)
})
