// tls-pingpong.mjs: the closed-loop ping-pong client of c/pingpong.c, over TLS, for the tls rows of
// `pnpm bench streams` (the C client speaks no TLS). Same arguments, same protocol with the runner
// (MEASURE_START, MEASURE_END, one JSON line with the same fields), same checks: every connection
// keeps one message in flight, each echo must equal what was sent (the payload carries the
// connection number and a sequence number), and the exit status is 1 if any connection failed,
// got wrong bytes or never completed a round trip (2 on bad arguments).
//
//   node tls-pingpong.mjs host port connections warmup_s measure_s msg_size
//
// It trusts the @wsm/streams test certificate (servername localhost). It runs the same against
// every server, so its own cost (Node's TLS, one core) caps both rows alike: compare the servers'
// CPU per message as well as the rates.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { TLS_FIXTURES } from './paths.mjs';

const [host, portArg, connsArg, warmupArg, measureArg, sizeArg] = process.argv.slice(2);
const port = Number(portArg), conns = Number(connsArg), warmupS = Number(warmupArg), measureS = Number(measureArg), size = Number(sizeArg);
if (!host || !(port > 0) || !(conns >= 1) || !(warmupS >= 0) || !(measureS > 0) || !(size >= 16)) {
  process.stderr.write('usage: node tls-pingpong.mjs host port connections warmup_s measure_s msg_size(>=16)\n');
  process.exit(2);
}
const ca = readFileSync(path.join(TLS_FIXTURES, 'localhost-cert.pem'));
const CONNECT_BATCH = 32; // handshakes in flight at once, as c/pingpong.c's connects

let measuring = false;
const latenciesUs = [];
let errors = 0;
const fail = (msg) => {
  if (errors++ < 20) process.stderr.write(`tls-pingpong: ${msg}\n`);
};

/** One connection: sends a message, checks its echo, records the round trip, sends the next. */
function startConnection(index) {
  return new Promise((resolve) => {
    const conn = { index, seq: 0n, sent: Buffer.alloc(size), got: Buffer.alloc(size), have: 0, t0: 0, count: 0, alive: false };
    const socket = tls.connect({ host, port, ca, servername: 'localhost' });
    conn.socket = socket;
    const send = () => {
      conn.sent.writeUInt32LE(index, 0);
      conn.sent.writeBigUInt64LE(++conn.seq, 4);
      conn.sent.fill(Number(conn.seq & 0xffn), 12);
      conn.have = 0;
      conn.t0 = performance.now();
      socket.write(conn.sent);
    };
    // a wrong echo ends the connection: one error for it, not another when it closes
    const abandon = (why) => {
      fail(`connection ${index}: ${why}`);
      conn.alive = false;
      socket.destroy();
    };
    socket.setNoDelay(true);
    socket.once('secureConnect', () => {
      conn.alive = true;
      resolve(conn);
      send();
    });
    socket.on('data', (chunk) => {
      if (conn.have + chunk.length > size) return abandon(`${conn.have + chunk.length} bytes echoed for a ${size}-byte message`);
      chunk.copy(conn.got, conn.have);
      conn.have += chunk.length;
      if (conn.have < size) return;
      if (!conn.got.equals(conn.sent)) return abandon(`echo differs from message ${conn.seq}`);
      if (measuring) {
        latenciesUs.push((performance.now() - conn.t0) * 1000);
        conn.count++;
      }
      send();
    });
    socket.on('error', (err) => { if (!stopping) fail(`connection ${index}: ${err.code ?? err.message}`); });
    socket.on('close', () => {
      if (!conn.alive) resolve(conn);
      else if (!stopping) fail(`connection ${index}: closed by the server`);
      conn.alive = false;
    });
  });
}

let stopping = false;
const all = [];
for (let i = 0; i < conns; i += CONNECT_BATCH) {
  const batch = [];
  for (let k = i; k < Math.min(conns, i + CONNECT_BATCH); k++) batch.push(startConnection(k));
  all.push(...(await Promise.all(batch)));
}
if (all.some((c) => !c.alive)) fail(`${all.filter((c) => !c.alive).length} connection(s) failed to connect`);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
await sleep(warmupS * 1000);
process.stdout.write('MEASURE_START\n');
const cpu0 = process.cpuUsage();
const t0 = performance.now();
measuring = true;
await sleep(measureS * 1000);
measuring = false;
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
process.stdout.write('MEASURE_END\n');
stopping = true;

latenciesUs.sort((a, b) => a - b);
const pct = (p) => (latenciesUs.length ? Math.round(latenciesUs[Math.min(latenciesUs.length - 1, Math.floor((p / 100) * latenciesUs.length))]) : 0);
const counts = all.map((c) => c.count);
const alive = all.filter((c) => c.alive).length;
if (counts.some((n) => n === 0)) fail(`${counts.filter((n) => n === 0).length} connection(s) completed no round trip`);
const messages = latenciesUs.length;
process.stdout.write(`${JSON.stringify({
  connections: conns,
  msgSize: size,
  seconds,
  messages,
  msgsPerSec: messages / seconds,
  p50Us: pct(50),
  p99Us: pct(99),
  p999Us: pct(99.9),
  maxUs: Math.round(latenciesUs.at(-1) ?? 0),
  meanUs: messages ? latenciesUs.reduce((a, b) => a + b, 0) / messages : 0,
  minPerConn: Math.min(...counts),
  maxPerConn: Math.max(...counts),
  aliveConnections: alive,
  clientCpu: (cpu.user + cpu.system) / 1e6 / seconds,
  errors,
})}\n`);
for (const c of all) c.socket.destroy();
process.exitCode = errors > 0 ? 1 : 0;
