// Node `net` echo server for the echo benchmark: exactly
// `socket.on('data', b => socket.write(b))`, plus an error handler (the client
// closes with messages in flight, which resets some connections).
// Usage: node node-net.mjs [port=0] [host=127.0.0.1]; prints "LISTENING <port>".
import net from 'node:net';

const port = Number(process.argv[2] ?? 0);
const host = process.argv[3] ?? '127.0.0.1';

const server = net.createServer((socket) => {
  socket.on('data', (b) => socket.write(b));
  socket.on('error', () => {});
});
server.listen({ port, host, backlog: 4096 }, () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
