// Echo server over a driver of @wsm/core-native (`listen({ model })` and `Connection`), for
// `pnpm bench models`: every chunk is written back; a write past the high-water mark pauses the
// connection until 'drain' (the backpressure the README's Drivers section shows), and the peer's
// FIN is answered with ours.
// Usage: node wsm-driver.mjs <model> [port=0] [host=127.0.0.1]; prints "LISTENING <port>".
// Refuses to run on another engine than WSM_BACKEND names (require-engine.mjs).
import { listen } from '@wsm/core-native';
import { requireEngine } from './require-engine.mjs';

const model = process.argv[2];
const port = Number(process.argv[3] ?? 0);
const host = process.argv[4] ?? '127.0.0.1';
requireEngine('wsm-driver');

const server = listen({ model, port, host, backlog: 4096 });
server.on('connection', (c) => {
  c.setNoDelay(true);
  c.on('data', (chunk) => {
    if (!c.write(chunk)) c.pause().once('drain', () => c.resume());
  });
  c.on('end', () => c.end());
  c.on('error', () => {}); // the client closes with messages in flight: resets are expected
});
server.on('error', (err) => console.error(`wsm-driver: accept failed: ${err.code ?? err.message}`));
process.stdout.write(`LISTENING ${server.address().port}\n`);
process.on('SIGTERM', () => process.exit(0));
