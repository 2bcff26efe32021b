// Command-line flags shared by the benchmark runners: `--flag value` or `--flag=value`.
import { pinningProblem } from './report.mjs';

export class UsageError extends Error {}

/** A number flag: finite, >= min, an integer if asked. */
export function numberFlag(flag, v, { int = false, min = 0 } = {}) {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n) || n < min || (int && !Number.isInteger(n))) {
    throw new UsageError(`${flag}: expected ${int ? 'an integer' : 'a number'} >= ${min}, got ${v}`);
  }
  return n;
}

/** A byte count such as 65536, 64K, 1G (K, M, G: powers of 1024), at least 1. */
export function bytesFlag(flag, v) {
  const m = /^(\d+)([KMG]?)$/i.exec(String(v ?? ''));
  if (!m) throw new UsageError(`${flag}: expected a byte count such as 65536, 64K, 1G; got ${v}`);
  const n = Number(m[1]) * 1024 ** ' KMG'.indexOf((m[2] || ' ').toUpperCase());
  if (n < 1) throw new UsageError(`${flag}: must be at least 1`);
  return n;
}

/** A comma-separated list: its non-empty items, trimmed. */
export const listFlag = (v) => String(v ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/** Calls `onFlag(flag, value, raw)` for each argument; `value()` takes the flag's value. */
export function eachFlag(argv, onFlag) {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const [flag, inline] = eq >= 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    onFlag(flag, () => (inline !== undefined ? inline : argv[++i]), a);
  }
}

/** `parse(argv)`, or null after printing a usage error with `usage` (then exit with 2). */
export function parseOrExplain(bench, parse, argv, usage) {
  try {
    return parse(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bench ${bench}: ${err.message}\n\n${usage}`);
    return null;
  }
}

/**
 * The options of a run of benchmark `bench`, or `{ exit }`, the status to exit with: 2 after a
 * usage error or when the CPUs to pin to are missing, 0 after printing --help.
 */
export function runOptions(bench, parse, argv, usage) {
  const opts = parseOrExplain(bench, parse, argv, usage);
  if (!opts) return { exit: 2 };
  if (opts.help) {
    process.stdout.write(usage);
    return { exit: 0 };
  }
  const pinning = pinningProblem(opts);
  if (pinning) {
    process.stderr.write(`bench ${bench}: ${pinning}\n`);
    return { exit: 2 };
  }
  return opts;
}

/** The usage text of the harness flags (harnessFlag) that `models` and `streams` take. */
export const HARNESS_USAGE = `  --server-cpu N      CPU the server is pinned to            (default 0)
  --client-cpu N      CPU the client is pinned to            (default 1)
  --no-pin            do not pin (no taskset)
  --quiet-wait S, --retries N, --noise-budget S
                      as for pnpm bench echo                 (defaults 5, 1, 60)
  --no-write          print the tables only; write nothing to bench/results/
  -h, --help          this text
`;

/** The harness's own options, as both ping-pong runners start them. */
export const HARNESS_DEFAULTS = { serverCpu: 0, clientCpu: 1, pin: true, write: true, quietWait: 5, retries: 1, noiseBudget: 60 };

/**
 * Sets `o` from one of the flags both ping-pong runners take (pinning, noise, --no-write, --help);
 * false if `flag` is none of them.
 */
export function harnessFlag(o, flag, value) {
  switch (flag) {
    case '--server-cpu': o.serverCpu = numberFlag(flag, value(), { int: true }); return true;
    case '--client-cpu': o.clientCpu = numberFlag(flag, value(), { int: true }); return true;
    case '--no-pin': o.pin = false; return true;
    case '--quiet-wait': o.quietWait = numberFlag(flag, value()); return true;
    case '--retries': o.retries = numberFlag(flag, value(), { int: true }); return true;
    case '--noise-budget': o.noiseBudget = numberFlag(flag, value()); return true;
    case '--no-write': o.write = false; return true;
    case '-h': case '--help': o.help = true; return true;
    default: return false;
  }
}
