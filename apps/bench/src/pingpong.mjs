// One closed-loop ping-pong measurement with c/pingpong.c, and the medians a table row shows;
// shared by `pnpm bench echo` and `pnpm bench models`.
import { median } from './measure.mjs';
import { runClient, windowCpu, withServer } from './processes.mjs';

/** The arguments of c/pingpong.c, which src/tls-pingpong.mjs takes too. */
export const pingPongArgs = (port, conns, opts) =>
  ['127.0.0.1', String(port), String(conns), String(opts.warmup), String(opts.seconds), String(opts.size)];

/**
 * Starts the server `def`, runs the client with `conns` connections for opts.warmup +
 * opts.seconds, stops the server. `client` is c/pingpong.c's binary, or any round-trip client
 * `{ program, args(port, conns, opts), warmUp?(port, conns, opts) }` that prints what it prints
 * (MEASURE_START, MEASURE_END, one JSON line with msgsPerSec, p50Us, p99Us; clientCpu optional).
 * The record has ok, error, the client's JSON and the server's CPU over the measured window
 * (processes.mjs windowCpu).
 */
export async function measurePingPong(def, conns, opts, client) {
  const { program, args = pingPongArgs, warmUp } = typeof client === 'string' ? { program: client } : client;
  const rec = { server: def.name, conns, ok: false };
  const skip = def.skip?.();
  if (skip) return { ...rec, skipped: skip };
  return Object.assign(rec, await withServer(def, opts, async (server, port) => {
    await warmUp?.(port, conns, opts);
    const r = await runClient(program, args(port, conns, opts), opts, server.child.pid, (opts.warmup + opts.seconds) * 1000 + 30_000);
    const out = { client: r.json };
    windowCpu(out, r.marks, r.json?.clientCpu);
    // a client that exits 0 may still count failures (wrk: errors, non-2xx responses)
    if (r.code !== 0 || !r.json || r.json.errors > 0) {
      out.error = `client exit ${r.code ?? r.signal}${r.json ? `, errors ${JSON.stringify(r.json.errors)}` : ''}: ${r.stderr.trim()}`;
    } else {
      out.ok = true;
    }
    return out;
  }));
}

/** The medians over the successful records of one server at one connection count. */
export function pingPongRow(mine) {
  const ok = mine.filter((r) => r.ok);
  return {
    runs: mine.length,
    okRuns: ok.length,
    msgsPerSec: median(ok.map((r) => r.client.msgsPerSec)),
    p50Us: median(ok.map((r) => r.client.p50Us)),
    p99Us: median(ok.map((r) => r.client.p99Us)),
    serverCpu: median(ok.map((r) => r.serverCpu)),
    // Server CPU time per round trip: what a message costs the server whatever limited the
    // rate (a client-bound row's msgs/s understates how much cheaper its server is).
    serverUsPerMsg: median(ok.map((r) => (r.serverCpu / r.client.msgsPerSec) * 1e6)),
    // The part of it in user mode: the server's own code. The kernel's part (TCP, loopback,
    // wake-ups) is about the same for every server; this is where they differ.
    serverUserUsPerMsg: median(ok.map((r) => (r.serverUserCpu / r.client.msgsPerSec) * 1e6)),
    clientCpu: median(ok.map((r) => r.client.clientCpu ?? r.clientCpu)),
    otherCpu: median(ok.map((r) => r.otherCpu)),
    perRun: ok.map((r) => r.client.msgsPerSec),
    skipped: mine.find((r) => r.skipped)?.skipped ?? null,
    errors: mine.filter((r) => r.error).map((r) => r.error),
  };
}
