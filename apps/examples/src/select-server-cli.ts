// `pnpm --filter @wsm/examples select-server [port]`: the select() echo server on its own, until Ctrl-C.
import { startSelectServer } from './select-server.js'

const port = Number(process.argv[2] ?? 5150)
const server = startSelectServer({ port, host: '127.0.0.1', log: (line) => console.log(line) })
process.once('SIGINT', () => void server.close())
server.done.catch((err) => {
  console.error(err)
  process.exitCode = 1
})
