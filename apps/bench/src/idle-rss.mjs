// The idle-connections measurement of `pnpm bench models`: the server's resident memory before
// and after it accepted opts.idleConns connections that send nothing (src/idle-client.mjs, a
// process of its own), per connection. "Accepted" is read from the server's open descriptors, so
// it holds for any server; the "after" figure is taken once RSS has stopped growing.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { median, sleep } from './measure.mjs';
import { BENCH_DIR } from './paths.mjs';
import { pinned, processFds, processRss, withServer } from './processes.mjs';

const IDLE_CLIENT = path.join(BENCH_DIR, 'src', 'idle-client.mjs');
const SETTLE_MS = 1000;      // after LISTENING and after the last accept, before reading RSS
const ACCEPT_TIMEOUT_MS = 60_000;

/** RSS once two readings 250 ms apart differ by less than 0.5 % (at most 5 s). */
async function steadyRss(pid) {
  let last = processRss(pid);
  for (let i = 0; i < 20; i++) {
    await sleep(250);
    const now = processRss(pid);
    if (now == null || last == null || Math.abs(now - last) < 0.005 * last) return now;
    last = now;
  }
  return last;
}

/** Starts the idle client; resolves { child, connected } once it printed CONNECTED, or rejects. */
function startIdleClient(port, opts) {
  const [cmd, args] = pinned(opts.clientCpu, process.execPath, [IDLE_CLIENT, String(port), String(opts.idleConns)], opts.pin);
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-2000); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`idle client: not connected within ${ACCEPT_TIMEOUT_MS} ms`)); }, ACCEPT_TIMEOUT_MS);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`idle client exited (${code}): ${stderr.trim()}`)); });
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /^CONNECTED (\d+)$/.exec(line);
      if (m) { clearTimeout(timer); resolve({ child, connected: Number(m[1]) }); }
    });
  });
}

export async function measureIdle(def, opts) {
  const rec = { server: def.name, section: 'idle', conns: opts.idleConns, ok: false };
  const skip = def.skip?.();
  if (skip) return { ...rec, skipped: skip };
  return Object.assign(rec, await withServer(def, opts, async (server, port) => {
    const pid = server.child.pid;
    await sleep(SETTLE_MS);
    const rssBefore = await steadyRss(pid);
    const fdsBefore = processFds(pid);
    const client = await startIdleClient(port, opts);
    try {
      const deadline = Date.now() + ACCEPT_TIMEOUT_MS;
      while ((processFds(pid) ?? 0) < fdsBefore + opts.idleConns) {
        if (Date.now() > deadline) throw new Error(`server accepted ${processFds(pid) - fdsBefore} of ${opts.idleConns} within ${ACCEPT_TIMEOUT_MS} ms`);
        await sleep(100);
      }
      await sleep(SETTLE_MS);
      const rssAfter = await steadyRss(pid);
      return { ok: true, rssBefore, rssAfter, bytesPerConn: (rssAfter - rssBefore) / opts.idleConns };
    } finally {
      const gone = new Promise((r) => (client.child.exitCode !== null ? r() : client.child.once('exit', r)));
      client.child.stdin.end();
      client.child.kill('SIGTERM');
      await gone;
    }
  }));
}

export function idleRow(mine) {
  const ok = mine.filter((r) => r.ok);
  return {
    runs: mine.length,
    okRuns: ok.length,
    rssBefore: median(ok.map((r) => r.rssBefore)),
    rssAfter: median(ok.map((r) => r.rssAfter)),
    bytesPerConn: median(ok.map((r) => r.bytesPerConn)),
    skipped: mine.find((r) => r.skipped)?.skipped ?? null,
    errors: mine.filter((r) => r.error).map((r) => r.error),
  };
}
