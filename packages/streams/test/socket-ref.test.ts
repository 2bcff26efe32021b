// ref()/unref() decide whether a socket or a server keeps the process alive; unref() before
// connect is applied once connected. Checked in a child process: does it exit on its own?
import { describe, expect, it } from 'vitest'
import { exitsWithin } from './helpers/exits.js'
import { ALL_MODELS, listening, shutDown } from './helpers/sockets.js'

describe.each(ALL_MODELS)('ref/unref (%s)', (model) => {
  it('an unref()ed server lets the process exit; a ref()ed one keeps it alive', async () => {
    const listen = `const s = createServer({ model: '${model}' }); s.listen(0, '127.0.0.1', () => console.log('listening'))`
    const [unrefed, refed] = await Promise.all([exitsWithin(`${listen}; s.unref()`, 3000), exitsWithin(`${listen}; s.unref(); s.ref()`, 800)])
    expect(unrefed).toEqual({ exited: true, output: 'listening\n' })
    expect(refed).toEqual({ exited: false, output: 'listening\n' })
  })

  it('unref() before connect is applied once connected; ref() undoes it', async () => {
    const { server, port } = await listening(model, (s) => s.on('error', () => {}).resume())
    const dial = `const c = connect({ port: ${port}, host: '127.0.0.1', model: '${model}' }, () => console.log('connected'))`
    const [unrefed, refed] = await Promise.all([exitsWithin(`${dial}; c.unref()`, 3000), exitsWithin(`${dial}; c.unref(); c.ref()`, 800)])
    expect(unrefed).toEqual({ exited: true, output: 'connected\n' })
    expect(refed).toEqual({ exited: false, output: 'connected\n' })
    await shutDown(server)
  })
})
