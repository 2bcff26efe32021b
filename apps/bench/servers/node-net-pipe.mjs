// Node's own `pipe` echo server for `pnpm bench streams`: net.createServer and each socket piped
// into itself, the reference for servers/streams-pipe.mjs (same options: TCP_NODELAY).
// Usage: node node-net-pipe.mjs [port=0] [host=127.0.0.1]; prints "LISTENING <port>".
import net from 'node:net';

const port = Number(process.argv[2] ?? 0);
const host = process.argv[3] ?? '127.0.0.1';

const server = net.createServer({ noDelay: true }, (socket) => {
  socket.on('error', () => {}); // the client closes with messages in flight: resets are expected
  socket.pipe(socket);
});
server.listen({ port, host, backlog: 4096 }, () => process.stdout.write(`LISTENING ${server.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
