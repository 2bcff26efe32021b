// `pnpm --filter @wsm/examples rx-chat [port]`: the @wsm/rx chat server on its own, until Ctrl-C.
// Try it with two or three `nc 127.0.0.1 5150`.
import { startRxChatServer } from './rx-chat-server.js'

const server = startRxChatServer({ port: Number(process.argv[2] ?? 5150) })
console.log(`LISTENING ${server.port}`)
process.once('SIGINT', () => void server.close())
server.done.catch((err) => {
  console.error(err)
  process.exitCode = 1
})
