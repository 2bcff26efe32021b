import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, readlinkSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { waitFor } from './helpers/wait.js'

// The program as users run it (`pnpm --filter @wsm/examples cluster-server`): built by `pnpm build`.
const PROGRAM = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cluster-server.js')

interface Started {
  child: ChildProcess
  port: number
  workers: number[]
  exited: Promise<number | null>
}

/** Starts the cluster; resolves once it printed LISTENING, rejects after 10 s. */
function startCluster(args: string[]): Promise<Started> {
  if (!existsSync(PROGRAM)) throw new Error(`${PROGRAM} is missing: run pnpm build first`)
  const child = spawn(process.execPath, [PROGRAM, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const workers: number[] = []
  let stderr = ''
  child.stderr!.on('data', (d) => (stderr += d))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no LISTENING within 10 s: ${stderr}`)), 10_000)
    void exited.then((code) => reject(new Error(`exited (${code}) before listening: ${stderr}`)))
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const worker = /^WORKER (\d+) LISTENING \d+$/.exec(line)
      if (worker) workers.push(Number(worker[1]))
      const all = /^LISTENING (\d+)$/.exec(line)
      if (all) {
        clearTimeout(timer)
        resolve({ child, port: Number(all[1]), workers, exited })
      }
    })
  })
}

/** The sockets a process holds open. */
const socketCount = (pid: number): number =>
  readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')
    } catch {
      return false
    }
  }).length

/** A connection that sent `message` and got exactly it back; left open. */
function echoOnce(port: number, message: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    let got = ''
    socket.setEncoding('utf8')
    socket.on('error', reject)
    socket.on('connect', () => socket.write(message))
    socket.on('data', (d: string) => {
      got += d
      if (got === message) resolve(socket)
      else if (!message.startsWith(got)) reject(new Error(`echo ${JSON.stringify(got)} for ${JSON.stringify(message)}`))
    })
  })
}

let running: Started | null = null
afterEach(async () => {
  if (running && running.child.exitCode === null) {
    running.child.kill('SIGKILL')
    await running.exited
  }
  running = null
})

describe('cluster echo server (iocp driver, reusePort)', () => {
  it('echoes on every connection, spreads them over both workers, and stops on SIGTERM', async () => {
    running = await startCluster(['--workers', '2', '--port', '0'])
    const { port, workers } = running
    expect(workers).toHaveLength(2)
    const before = workers.map(socketCount)
    // SO_REUSEPORT hashes each connection's addresses to a worker: all 24 on one worker has a
    // chance of 2^-23, so this checks that both listen on the port and both serve.
    const clients = await Promise.all(Array.from({ length: 24 }, (_, i) => echoOnce(port, `hello ${i} `.repeat(i + 1))))
    await waitFor(() => workers.every((pid, i) => socketCount(pid) > before[i]!))
    for (const c of clients) c.destroy()

    running.child.kill('SIGTERM')
    const code = await Promise.race([running.exited, new Promise((r) => setTimeout(() => r('timeout'), 5000))])
    expect(code).toBe(0)
    for (const pid of workers) expect(existsSync(`/proc/${pid}`)).toBe(false)
  })

  it('forks a new worker when one dies, and the port keeps serving', async () => {
    running = await startCluster(['--workers', '2', '--port', '0'])
    const first = [...running.workers]
    const victim = first[0]!
    const replaced = new Promise<number>((resolve) =>
      createInterface({ input: running!.child.stdout! }).on('line', (line) => {
        const m = /^WORKER (\d+) LISTENING/.exec(line)
        if (m) resolve(Number(m[1]))
      }),
    )
    process.kill(victim, 'SIGKILL')
    const fresh = await replaced
    expect(first).not.toContain(fresh)
    const clients = await Promise.all(Array.from({ length: 8 }, (_, i) => echoOnce(running!.port, `again ${i}`)))
    for (const c of clients) c.destroy()
  })

  it('refuses a bad worker count with exit status 2', async () => {
    const child = spawn(process.execPath, [PROGRAM, '--workers', '0'], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    const code = await new Promise((resolve) => child.once('exit', resolve))
    expect(code).toBe(2)
    expect(stderr).toMatch(/--workers: expected an integer from 1 to 1024, got 0/)
  })
})
