// One bulk-echo measurement of `pnpm bench models`: c/bulk.c streams opts.bulkBytes over one
// connection and reads the echo back at the same time; the server's CPU is sampled over the
// transfer (from the first byte sent to the last byte echoed).
import { median } from './measure.mjs';
import { runClient, windowCpu, withServer } from './processes.mjs';

const GB = 1e9;

export async function measureBulk(def, opts, client) {
  const rec = { server: def.name, section: 'bulk', ok: false };
  const skip = def.skip?.();
  if (skip) return { ...rec, skipped: skip };
  return Object.assign(rec, await withServer(def, opts, async (server, port) => {
    const args = ['127.0.0.1', String(port), String(opts.bulkBytes), String(opts.bulkChunk)];
    // at 20 MB/s, a pathologically slow server still finishes; beyond that it is a failure
    const r = await runClient(client, args, opts, server.child.pid, 30_000 + (opts.bulkBytes / 20e6) * 1000);
    const out = { client: r.json };
    windowCpu(out, r.marks, r.json?.clientCpu);
    if (r.code !== 0 || !r.json) {
      out.error = `client exit ${r.code ?? r.signal}${r.json ? `, errors ${r.json.errors}` : ''}: ${r.stderr.trim()}`;
    } else {
      out.ok = true;
      // each byte crossed the server twice (in and out); "per GB" is per GB echoed
      out.serverCpuSecPerGB = out.serverCpuSeconds / (r.json.bytes / GB);
    }
    return out;
  }));
}

/** Medians over the successful records of one server. */
export function bulkRow(mine) {
  const ok = mine.filter((r) => r.ok);
  return {
    runs: mine.length,
    okRuns: ok.length,
    mbPerSec: median(ok.map((r) => r.client.mbPerSec)),
    seconds: median(ok.map((r) => r.client.seconds)),
    serverCpu: median(ok.map((r) => r.serverCpu)),
    serverCpuSecPerGB: median(ok.map((r) => r.serverCpuSecPerGB)),
    clientCpu: median(ok.map((r) => r.client.clientCpu)),
    otherCpu: median(ok.map((r) => r.otherCpu)),
    skipped: mine.find((r) => r.skipped)?.skipped ?? null,
    errors: mine.filter((r) => r.error).map((r) => r.error),
  };
}
