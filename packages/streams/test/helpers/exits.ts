// Runs a script in a child process of the built package and says whether it exits on its own:
// how the ref()/unref() suites see whether something keeps the process alive.
import { spawn } from 'node:child_process'

const packageDir = new URL('../..', import.meta.url)

/**
 * Runs `body` (ESM, with createServer, connect and serveHttp from the built package, and node:http
 * as http) and says whether it exited within `ms`, with what it printed.
 */
export function exitsWithin(body: string, ms: number): Promise<{ exited: boolean; output: string }> {
  const script = `import { createServer, connect, serveHttp } from '@wsm/streams'\nimport http from 'node:http'\n${body}`
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
