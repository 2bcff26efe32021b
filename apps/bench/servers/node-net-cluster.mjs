// Node `net` echo server under node:cluster for `pnpm bench models`: the primary forks N workers
// (default 2), each runs exactly the node-net.mjs server (`socket.on('data', b => socket.write(b))`)
// on the same port. Node 20's `net` has no SO_REUSEPORT option, so the port is shared the way
// node:cluster does by default on Linux (SCHED_RR): the primary accepts every connection and hands
// it to a worker over IPC, round robin; the workers then serve their sockets on their own.
// Usage: node node-net-cluster.mjs [workers=2] [port=0] [host=127.0.0.1]; prints "LISTENING <port>"
// once every worker listens (workers given port 0 share one port: the primary's).
import cluster from 'node:cluster';
import net from 'node:net';

const workers = Number(process.argv[2] ?? 2);
const port = Number(process.argv[3] ?? 0);
const host = process.argv[4] ?? '127.0.0.1';

if (cluster.isPrimary) {
  let listening = 0;
  for (let i = 0; i < workers; i++) {
    cluster.fork().on('message', (msg) => {
      if (msg.listening !== undefined && ++listening === workers) process.stdout.write(`LISTENING ${msg.listening}\n`);
    });
  }
  cluster.on('exit', (w, code, signal) => {
    if (!process.exitCode) console.error(`node-net-cluster: worker ${w.process.pid} died (${signal ?? code})`);
  });
  process.on('SIGTERM', () => {
    process.exitCode = 0;
    for (const w of Object.values(cluster.workers)) w.process.kill('SIGTERM');
    process.exit(0);
  });
} else {
  const server = net.createServer((socket) => {
    socket.on('data', (b) => socket.write(b));
    socket.on('error', () => {});
  });
  server.listen({ port, host, backlog: 4096 }, () => process.send({ listening: server.address().port }));
  process.on('SIGTERM', () => process.exit(0));
}
