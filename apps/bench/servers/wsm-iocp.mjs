// The completion-port echo server of apps/examples (AcceptEx ahead, one GetQueuedCompletionStatusEx
// loop) for the echo benchmark. Usage: node wsm-iocp.mjs [port=0] [host=127.0.0.1]; prints
// "LISTENING <port>". Refuses to run on another engine than WSM_BACKEND names
// (require-engine.mjs).
import { startIocpServer } from '@wsm/examples/iocp-server'
import { requireEngine } from './require-engine.mjs'

const port = Number(process.argv[2] ?? 0)
const host = process.argv[3] ?? '127.0.0.1'
requireEngine('wsm-iocp')
const server = startIocpServer({ port, host, backlog: 4096, acceptsPosted: 64 })
process.stdout.write(`LISTENING ${server.port}\n`)
server.done.catch((err) => {
  console.error(err)
  process.exit(1)
})
process.on('SIGTERM', () => process.exit(0))
