// The node:http server of `pnpm bench streams`: one http.createServer with a tiny fixed response,
// listening either on Node's own sockets (`node`: server.listen) or on @wsm/streams sockets of a
// model (serveHttp), so that the two rows differ only in the sockets under node:http.
// Usage: node http-hello.mjs <node|model> [port=0] [host=127.0.0.1]; prints "LISTENING <port>".
import http from 'node:http';
import { listenEither } from './listen-either.mjs';

const sockets = process.argv[2];
const port = Number(process.argv[3] ?? 0);
const host = process.argv[4] ?? '127.0.0.1';
const BODY = Buffer.from('hello world\n');

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
  res.end(BODY);
});
listenEither('http-hello', server, sockets, port, host);
