// How the node:http and tls servers of `pnpm bench streams` listen, so that their two rows differ
// only in the sockets under the same server object: on Node's own (`node`: server.listen) or on
// @wsm/streams sockets of a model (serveHttp, which feeds the server our sockets through
// 'connection' and gives it what listen() would). Prints "LISTENING <port>", exits on SIGTERM.
// With a model, refuses to run on another engine than WSM_BACKEND names (require-engine.mjs).
import { serveHttp } from '@wsm/streams';
import { requireEngine } from './require-engine.mjs';

/** Listens with `server` (any net.Server) on 127.0.0.1-style `host`:`port` over `sockets`: 'node' or a model. */
export function listenEither(name, server, sockets, port, host) {
  const listening = () => process.stdout.write(`LISTENING ${server.address().port}\n`);
  if (sockets === 'node') {
    server.listen({ port, host, backlog: 4096 }, listening);
  } else {
    requireEngine(name);
    serveHttp(server, { model: sockets, port, host, backlog: 4096 }, listening);
  }
  server.on('error', (err) => console.error(`${name}: ${err.code ?? err.message}`));
  process.on('SIGTERM', () => process.exit(0));
}
