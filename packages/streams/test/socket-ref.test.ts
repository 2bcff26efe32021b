// ref()/unref() decide whether a socket or a server keeps the process alive; unref() before
// connect is applied once connected. Checked in a child process: does it exit on its own?
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { ALL_MODELS, listening, shutDown } from './helpers/sockets.js'

const packageDir = new URL('..', import.meta.url)

/** Runs `body` (ESM, with createServer/connect from the built package) and says whether it exited within `ms`. */
function exitsWithin(body: string, ms: number): Promise<{ exited: boolean; output: string }> {
  const script = `import { createServer, connect } from '@wsm/streams'\n${body}`
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill()
      resolve({ exited: false, output })
    }, ms)
    child.on('exit', () => {
      clearTimeout(timer)
      resolve({ exited: true, output })
    })
  })
}

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
