// `pnpm demo`: the select() echo server of the classic Winsock examples, driven by a built-in
// client (plain Node `net`), narrated on both sides; then the same clients against the server of
// every other model, one line each. Exits 0 when every echo came back intact and every socket was
// closed, 1 otherwise.
import { backend } from '@wsm/core-native'
import { startAsyncSelectServer } from './async-select-server.js'
import { startCompletionRoutineServer } from './completion-routine-server.js'
import { runEchoClient } from './echo-client.js'
import type { EchoServer } from './echo-server.js'
import { startEventSelectServer } from './event-select-server.js'
import { startIocpServer } from './iocp-server.js'
import { startOverlappedEventServer } from './overlapped-event-server.js'
import { startSelectServer } from './select-server.js'

const CLIENTS = 5
const BULK_BYTES = 256 * 1024 // larger than the socket buffers: partial sends and backpressure

async function drive(server: EchoServer, narrate: boolean): Promise<{ ok: boolean; bytes: number }> {
  const results = await Promise.all(
    Array.from({ length: CLIENTS }, (_, i) =>
      runEchoClient(
        server.port,
        '127.0.0.1',
        `client ${i + 1}`,
        [`hello from client ${i + 1}`, `message 2 of client ${i + 1}`],
        i === 0 ? BULK_BYTES : 0,
        narrate ? (line) => console.log(`[client ${i + 1}] ${line}`) : () => {},
      ),
    ),
  )
  // Let the server see the last half-close before it shuts down.
  const deadline = Date.now() + 5000
  while (server.stats.closed < CLIENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
  await server.close()
  const ok = results.every((r) => r.ok) && server.stats.accepted === CLIENTS && server.stats.closed === CLIENTS
  return { ok, bytes: results.reduce((n, r) => n + r.bytes, 0) }
}

async function main(): Promise<number> {
  console.log(`wsm demo: select() echo server (engine: ${backend()})`)
  const select = await drive(startSelectServer({ log: (line) => console.log(`[server] ${line}`) }), true)
  console.log(`wsm demo: select: ${CLIENTS} clients, ${select.bytes} bytes echoed: ${select.ok ? 'all intact' : 'FAILED'}\n`)

  let ok = select.ok
  const others: Array<[string, () => EchoServer]> = [
    ['WSAAsyncSelect (messages to a window)', () => startAsyncSelectServer()],
    ['WSAEventSelect (event objects, 64 per wait)', () => startEventSelectServer()],
    ['overlapped I/O, event notification', () => startOverlappedEventServer()],
    ['overlapped I/O, completion routines', () => startCompletionRoutineServer()],
    ['I/O completion port', () => startIocpServer()],
  ]
  for (const [name, start] of others) {
    const r = await drive(start(), false)
    ok &&= r.ok
    console.log(`wsm demo: ${name}: ${CLIENTS} clients, ${r.bytes} bytes echoed: ${r.ok ? 'all intact' : 'FAILED'}`)
  }
  return ok ? 0 : 1
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err)
    process.exit(1)
  },
)
