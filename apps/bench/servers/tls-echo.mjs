// The tls echo server of `pnpm bench streams`: one tls.createServer whose TLSSockets are piped into
// themselves, listening either on Node's own sockets (`node`: server.listen) or on @wsm/streams
// sockets of a model (serveHttp, which feeds it our sockets through 'connection' and tracks them
// as listen() would). tls wraps our sockets, having no native handle, in its JSStreamSocket.
// The certificate is @wsm/streams' test fixture (CN localhost).
// Usage: node tls-echo.mjs <node|model> [port=0] [host=127.0.0.1]; prints "LISTENING <port>".
import { readFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { TLS_FIXTURES } from '../src/paths.mjs';
import { listenEither } from './listen-either.mjs';

const sockets = process.argv[2];
const port = Number(process.argv[3] ?? 0);
const host = process.argv[4] ?? '127.0.0.1';
const key = readFileSync(path.join(TLS_FIXTURES, 'localhost-key.pem'));
const cert = readFileSync(path.join(TLS_FIXTURES, 'localhost-cert.pem'));

const server = tls.createServer({ key, cert, noDelay: true }, (secure) => {
  secure.on('error', () => {}); // the client closes with messages in flight: resets are expected
  secure.pipe(secure);
});
server.on('tlsClientError', () => {});
listenEither('tls-echo', server, sockets, port, host);
