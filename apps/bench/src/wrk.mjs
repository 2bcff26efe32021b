// wrk, the load generator of the node:http rows of `pnpm bench streams`: a C program on one thread,
// so that, unlike a JavaScript generator, it takes little of the two cores from the servers. It is
// driven as a ping-pong client (pingpong.mjs measurePingPong) through wrk-report.lua.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinned } from './processes.mjs';

const REPORT_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'wrk-report.lua');
export const WRK_MISSING = 'wrk not found: install it (Debian/Ubuntu: apt-get install wrk), or run the bench as root to have it installed';

const which = (cmd) => {
  try { return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim() || null; } catch { return null; }
};

/**
 * The path of wrk; when it is missing and we are root on a Debian-like system, installs the
 * Debian package first (apt-get update only if the first attempt fails). null if there is none.
 */
export function findWrk() {
  const found = which('wrk');
  if (found || process.getuid?.() !== 0 || !which('apt-get')) return found;
  process.stderr.write('wrk not found: apt-get install -y wrk\n');
  const install = () => spawnSync('apt-get', ['install', '-y', 'wrk'], { stdio: ['ignore', 'ignore', 'inherit'] }).status === 0;
  if (!install()) {
    spawnSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'] });
    install();
  }
  return which('wrk');
}

// wrk takes whole seconds
const wholeSeconds = (s) => Math.max(1, Math.round(s));
const wrkArgs = (port, conns, seconds) => ['-t1', `-c${conns}`, `-d${wholeSeconds(seconds)}s`, '--latency', `http://127.0.0.1:${port}/`];

/**
 * A ping-pong client (pingpong.mjs) that is wrk at `wrkPath`: one thread, `conns` keep-alive
 * connections, opts.seconds measured (rounded to whole seconds) after an unmeasured run of
 * opts.warmup seconds (skipped when 0).
 */
export function wrkClient(wrkPath) {
  return {
    program: wrkPath,
    args: (port, conns, opts) => ['-s', REPORT_SCRIPT, ...wrkArgs(port, conns, opts.seconds)],
    warmUp: (port, conns, opts) => new Promise((resolve, reject) => {
      if (opts.warmup <= 0) return resolve();
      const [cmd, args] = pinned(opts.clientCpu, wrkPath, wrkArgs(port, conns, opts.warmup), opts.pin);
      const child = spawn(cmd, args, { stdio: 'ignore', timeout: (wholeSeconds(opts.warmup) + 30) * 1000 });
      child.on('error', (err) => reject(new Error(`wrk warm-up: ${err.message}`)));
      child.on('close', (code, signal) => (code === 0 ? resolve() : reject(new Error(`wrk warm-up failed (exit ${code ?? signal})`))));
    }),
  };
}
