// The client of the idle-connections measurement of `pnpm bench models`: opens N TCP connections
// to host:port (64 connects in flight at a time, each awaited, so none waits on a full backlog),
// prints "CONNECTED <n>" and holds them, sending nothing, until stdin closes or SIGTERM.
// A separate process from the server, so each has the whole descriptor limit (`ulimit -n`).
// Usage: node idle-client.mjs <port> <connections> [host=127.0.0.1]
import net from 'node:net';

const port = Number(process.argv[2]);
const count = Number(process.argv[3]);
const host = process.argv[4] ?? '127.0.0.1';
const BATCH = 64;

const sockets = [];
const connectOne = () => new Promise((resolve, reject) => {
  const s = net.connect({ port, host });
  s.once('connect', () => { s.removeListener('error', reject); s.on('error', () => {}); resolve(s); });
  s.once('error', reject);
});
try {
  for (let i = 0; i < count; i += BATCH) {
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(BATCH, count - i) }, connectOne))));
  }
} catch (err) {
  console.error(`idle-client: connect ${sockets.length + 1} of ${count}: ${err.code ?? err.message}`);
  process.exit(1);
}
process.stdout.write(`CONNECTED ${sockets.length}\n`);
const quit = () => { for (const s of sockets) s.destroy(); process.exit(0); };
process.stdin.on('end', quit).on('close', quit).resume();
process.on('SIGTERM', quit);
