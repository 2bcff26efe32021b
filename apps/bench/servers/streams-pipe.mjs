// `pipe` echo server of `pnpm bench streams` over @wsm/streams: createServer({ model }) and each
// socket piped into itself, exactly what servers/node-net-pipe.mjs does with node:net (both with
// TCP_NODELAY, as the client sets it). The peer's FIN ends the pipe and so our side (allowHalfOpen
// false), which the bulk client waits for.
// Usage: node streams-pipe.mjs <model> [port=0] [host=127.0.0.1]; prints "LISTENING <port>".
// Refuses to run on another engine than WSM_BACKEND names (require-engine.mjs).
import { createServer } from '@wsm/streams';
import { requireEngine } from './require-engine.mjs';

const model = process.argv[2];
const port = Number(process.argv[3] ?? 0);
const host = process.argv[4] ?? '127.0.0.1';
requireEngine('streams-pipe');

const server = createServer({ model, noDelay: true }, (socket) => {
  socket.on('error', () => {}); // the client closes with messages in flight: resets are expected
  socket.pipe(socket);
});
server.on('error', (err) => console.error(`streams-pipe: ${err.code ?? err.message}`));
server.listen({ port, host, backlog: 4096 }, () => process.stdout.write(`LISTENING ${server.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
