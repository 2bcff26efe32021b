// What the benchmark reports share: the machine's description, the command line that made a
// result, number formats, and plain-text and markdown tables.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BENCH_DIR } from './paths.mjs';

export const fmtInt = (n) => (n == null ? '–' : Math.round(n).toLocaleString('en-US'));
export const fmtMs = (us) => (us == null ? '–' : (us / 1000).toFixed(3));
export const fmtUs = (x) => (x == null ? '–' : x.toFixed(2));

/** Kernel, Node, CPU model and count, C compiler. */
export function machine() {
  const cpuinfo = (() => { try { return fs.readFileSync('/proc/cpuinfo', 'utf8'); } catch { return ''; } })();
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  let cc = 'unknown';
  try { cc = execFileSync(process.env.CC || 'cc', ['--version'], { encoding: 'utf8' }).split('\n')[0]; } catch {}
  return {
    kernel: (() => { try { return execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim(); } catch { return os.release(); } })(),
    node: process.version,
    cpuModel: model,
    cpus: os.cpus().length,
    cc,
  };
}

/** The rows of a result's markdown table that say what ran it and where (command to C compiler). */
export const environmentRows = (command, date, env) => `| command | \`${command}\` |
| date | ${date} |
| kernel (\`uname -r\`) | ${env.kernel} |
| node | ${env.node} |
| CPU | ${env.cpuModel} (${env.cpus} CPUs) |
| C compiler | ${env.cc} |`;

/** The command line that ran benchmark `bench` with `argv`, as the user typed it. */
export function commandLine(bench, argv) {
  const args = [bench, ...argv].join(' ');
  return process.env.npm_lifecycle_event === 'bench' ? `pnpm bench ${args}` : `node ${path.relative(process.cwd(), path.join(BENCH_DIR, 'src', 'cli.mjs')) || 'cli.mjs'} ${args}`;
}

/** A file-name-safe UTC timestamp, e.g. 2026-12-06T10-31-40Z. */
export const fileStamp = (date) => date.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');

/** A plain-text table: the first column left-aligned, the others right-aligned. */
export function textTable(header, rows) {
  const cells = [header, ...rows];
  const w = header.map((_, i) => Math.max(...cells.map((c) => c[i].length)));
  return cells.map((c, k) => {
    const line = c.map((s, i) => (i >= 1 ? s.padStart(w[i]) : s.padEnd(w[i]))).join('  ');
    return k === 0 ? `${line}\n${w.map((n) => '-'.repeat(n)).join('  ')}` : line;
  }).join('\n');
}

/** The same table in markdown. */
export function markdownTable(header, rows) {
  const align = header.map((_, i) => (i === 0 ? ':---' : '---:'));
  return [header, align, ...rows].map((c) => `| ${c.join(' | ')} |`).join('\n');
}

/** Checks that taskset can pin to both CPUs of opts; an error message, or null. */
export function pinningProblem(opts) {
  if (!opts.pin) return null;
  const n = os.cpus().length;
  if (Math.max(opts.serverCpu, opts.clientCpu) >= n) return `this machine has ${n} CPU(s); use --server-cpu/--client-cpu or --no-pin`;
  try { execFileSync('taskset', ['-c', '0', 'true']); } catch {
    return 'taskset (util-linux) is needed for pinning; install it or pass --no-pin';
  }
  return null;
}
