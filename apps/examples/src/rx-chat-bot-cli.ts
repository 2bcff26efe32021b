// `pnpm --filter @wsm/examples rx-chat-bot [port]`: a bot in the rx chat that prints what it hears
// and reconnects whenever the server is down or restarts, until Ctrl-C.
import { rxChatBot$ } from './rx-chat-bot.js'

const bot = rxChatBot$({ port: Number(process.argv[2] ?? 5150) }).subscribe({
  next: (e) => console.log(e.kind === 'connected' ? 'CONNECTED' : e.line),
  error: (err) => {
    console.error(err)
    process.exitCode = 1
  },
})
process.once('SIGINT', () => bot.unsubscribe())
