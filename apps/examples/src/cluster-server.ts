// `pnpm --filter @wsm/examples cluster-server [--workers N] [--port P] [--host H] [--model M]`:
// the echo server of a driver (the iocp driver by default) on every core. node:cluster forks N
// workers (os.availableParallelism() by default); each listens on the same port with
// `listen({ reusePort: true })` (SO_REUSEPORT), so the kernel spreads incoming connections over
// the workers' own accept queues, and no process hands sockets to another (Node `net` under
// cluster instead accepts in the primary and passes each socket to a worker, round robin).
//
// The primary holds the port: it binds a socket with SO_REUSEPORT but never listens on it, so it
// gets no connections, and a worker forked again after a crash can bind the same port. Once every
// worker listens it prints `LISTENING <port>` (what the benchmark waits for). SIGTERM or SIGINT:
// the workers stop accepting and exit; then the primary exits.
import cluster, { type Worker } from 'node:cluster'
import os from 'node:os'
import { parseArgs } from 'node:util'
import { MODELS, Socket, listen, type Model } from '@wsm/core-native'


interface ClusterOptions {
  workers: number
  port: number
  host: string
  model: Model
}

/** The options from the command line; a TypeError with a code for bad ones. */
function parseOptions(argv: string[]): ClusterOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      workers: { type: 'string', default: String(os.availableParallelism()) },
      port: { type: 'string', default: '5150' },
      host: { type: 'string', default: '127.0.0.1' },
      model: { type: 'string', default: 'iocp' },
    },
  })
  const integer = (name: string, text: string, min: number, max: number): number => {
    const n = Number(text)
    if (!Number.isInteger(n) || n < min || n > max) {
      throw Object.assign(new TypeError(`--${name}: expected an integer from ${min} to ${max}, got ${text}`), { code: 'ERR_INVALID_ARG_VALUE' })
    }
    return n
  }
  const model = values.model as Model
  if (!MODELS.includes(model)) {
    throw Object.assign(new TypeError(`--model: expected one of ${MODELS.join(', ')}, got ${values.model}`), { code: 'ERR_INVALID_ARG_VALUE' })
  }
  return {
    workers: integer('workers', values.workers, 1, 1024),
    port: integer('port', values.port, 0, 65535),
    host: values.host,
    model,
  }
}

/** A worker: the echo server of the driver on the shared port; tells the primary once it listens. */
function runWorker(): void {
  const model = process.env.WSM_CLUSTER_MODEL as Model
  const server = listen({ model, port: Number(process.env.WSM_CLUSTER_PORT), host: process.env.WSM_CLUSTER_HOST, backlog: 4096, reusePort: true })
  server.on('connection', (c) => {
    c.setNoDelay(true)
    c.on('data', (chunk) => {
      if (!c.write(chunk)) c.pause().once('drain', () => c.resume())
    })
    c.on('end', () => c.end())
    c.on('error', () => {}) // a peer that resets mid-echo ends only its own connection
  })
  server.on('error', (err: NodeJS.ErrnoException) => console.error(`worker ${process.pid}: accept failed: ${err.code ?? err.message}`))
  process.send?.({ listening: server.address().port })
  // The primary disconnects (or signals) us to stop: stop accepting, let open connections finish.
  const stop = () => server.close(() => process.exit(0))
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
  process.once('disconnect', () => process.exit(0))
}

function runPrimary(options: ClusterOptions): void {
  const holder = Socket.tcp()
  holder.setReusePort(true)
  try {
    holder.bind(options.port, options.host)
  } catch (err) {
    console.error(`cluster-server: cannot bind ${options.host}:${options.port}: ${(err as { code?: string }).code ?? (err as Error).message}`)
    holder.close()
    process.exit(1)
  }
  const port = holder.localPort
  let stopping = false
  let exitCode = 0
  let listening = 0
  const live = new Set<Worker>()
  const served = new Set<Worker>() // workers that got as far as listening

  const fork = (): Worker => {
    const worker = cluster.fork({ WSM_CLUSTER_PORT: String(port), WSM_CLUSTER_HOST: options.host, WSM_CLUSTER_MODEL: options.model })
    live.add(worker)
    worker.on('message', (msg: { listening?: number }) => {
      if (msg.listening === undefined) return
      served.add(worker)
      console.log(`WORKER ${worker.process.pid} LISTENING ${msg.listening}`)
      if (++listening === options.workers) console.log(`LISTENING ${port}`)
    })
    return worker
  }
  cluster.on('exit', (worker, code, signal) => {
    live.delete(worker)
    const how = signal ?? `code ${code}`
    if (!stopping && served.has(worker)) {
      console.error(`worker ${worker.process.pid} died (${how}); forking another`)
      fork()
      return
    }
    if (!stopping) {
      // It could not even listen (the port taken without SO_REUSEPORT, a bad host): forking again
      // would fail the same way, so the whole server stops with an error.
      console.error(`worker ${worker.process.pid} died before listening (${how}); stopping`)
      exitCode = 1
      stop()
    }
    if (live.size === 0) {
      holder.close()
      process.exit(exitCode)
    }
  })
  const stop = () => {
    if (stopping) return
    stopping = true
    for (const w of live) w.process.kill('SIGTERM')
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  for (let i = 0; i < options.workers; i++) fork()
}

if (cluster.isPrimary) {
  let options: ClusterOptions
  try {
    options = parseOptions(process.argv.slice(2))
  } catch (err) {
    console.error(`cluster-server: ${(err as Error).message}`)
    console.error('usage: cluster-server [--workers N] [--port P=5150] [--host H=127.0.0.1] [--model iocp]')
    process.exit(2)
  }
  runPrimary(options)
} else {
  runWorker()
}
