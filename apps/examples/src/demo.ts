// `pnpm demo`: the select() echo server of the classic Winsock examples, driven by a built-in
// client (plain Node `net`), printing what happens on both sides. Exits 0 when every echo came back
// intact and every socket was closed, 1 otherwise.
import { backend } from '@wsm/core-native'
import { runEchoClient } from './echo-client.js'
import { startSelectServer } from './select-server.js'

const CLIENTS = 5
const BULK_BYTES = 256 * 1024 // larger than the socket buffers: partial sends and backpressure

async function main(): Promise<number> {
  console.log(`wsm demo: select() echo server (engine: ${backend()})`)
  const server = startSelectServer({ log: (line) => console.log(`[server] ${line}`) })
  const clients = Array.from({ length: CLIENTS }, (_, i) =>
    runEchoClient(
      server.port,
      '127.0.0.1',
      `client ${i + 1}`,
      [`hello from client ${i + 1}`, `message 2 of client ${i + 1}`],
      i === 0 ? BULK_BYTES : 0,
      (line) => console.log(`[client ${i + 1}] ${line}`),
    ),
  )
  const results = await Promise.all(clients)
  // Let the server see the last half-close before it shuts down.
  while (server.stats.closed < CLIENTS) await new Promise((r) => setTimeout(r, 10))
  await server.close()

  const ok = results.every((r) => r.ok)
  console.log(
    `wsm demo: ${results.length} clients, ${results.reduce((n, r) => n + r.bytes, 0)} bytes echoed, ` +
      `${server.stats.accepted} accepted, ${server.stats.closed} closed: ${ok ? 'all intact' : 'FAILED'}`,
  )
  return ok ? 0 : 1
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err)
    process.exit(1)
  },
)
