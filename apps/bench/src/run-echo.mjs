// `pnpm bench echo`: closed-loop TCP ping-pong against each echo server.
//
// For each connection count, for each run, every server in echo-servers.mjs is
// started pinned to one CPU, waited for (`LISTENING <port>`), measured with the
// C client pinned to the other CPU, and stopped. Servers are interleaved within
// each round (and the order rotates from run to run) so that noise on this
// shared VM hits all of them alike. With --runs > 1 the table reports the
// median of each column over the runs.
//
// See ../README.md for how to read the output.
import fs from 'node:fs';
import path from 'node:path';
import { HARNESS_DEFAULTS, UsageError, eachFlag, harnessFlag, numberFlag, parseOrExplain } from './args.mjs';
import { fmtCpu, fmtX, idleCheck } from './measure.mjs';
import { REPO_ROOT, RESULTS_DIR } from './paths.mjs';
import { echoServers, NODE_NET, C_EPOLL } from './echo-servers.mjs';
import { measurePingPong, pingPongRow } from './pingpong.mjs';
import { ensureBuilt } from './processes.mjs';
import { NOISY_OTHER, measureQuietly, noiseBudget } from './quiet-rounds.mjs';
import { commandLine, fileStamp, fmtInt, fmtMs, fmtUs, machine, markdownTable, pinningProblem, textTable } from './report.mjs';

const USAGE = `usage: pnpm bench echo [options]

  --conns LIST        connection counts, comma-separated   (default 1,50,500)
  --warmup S          warm-up seconds per measurement       (default 1)
  --seconds S         measured seconds per measurement      (default 4)
  --runs N            runs per server and connection count;
                      the report shows medians              (default 1)
  --size BYTES        message size                          (default 64)
  --servers LIST      only these servers (names, comma-separated)
  --server-cpu N      CPU the server is pinned to           (default 0)
  --client-cpu N      CPU the client is pinned to           (default 1)
  --no-pin            do not pin (no taskset)
  --quiet-wait S      before each measurement, wait up to S seconds for the
                      machine to be idle (other work < 0.2 CPU)  (default 5)
  --retries N         redo a measurement that saw other work
                      (other CPU > 0.15) up to N times; the least
                      disturbed attempt is kept              (default 1)
  --noise-budget S    at most S seconds in all spent on those waits and
                      retries, so a busy machine cannot stretch the run
                      without bound                         (default 60)
  --no-write          print the table only; write nothing to bench/results/
  -h, --help          this text
`;

const TARGETS = [
  { conns: 50, vs: NODE_NET, min: 1.6 },
  { conns: 50, vs: C_EPOLL, min: 0.85 },
  { conns: 500, vs: NODE_NET, min: 1.5 },
];

// ---------------------------------------------------------------- options

function parseArgs(argv) {
  const o = {
    conns: [1, 50, 500],
    warmup: 1,
    seconds: 4,
    runs: 1,
    size: 64,
    servers: null,
    ...HARNESS_DEFAULTS,
  };
  const num = numberFlag;
  eachFlag(argv, (flag, value, a) => {
    switch (flag) {
      case '--conns':
        o.conns = String(value() ?? '').split(',').filter(Boolean).map((c) => num('--conns', c, { int: true, min: 1 }));
        if (o.conns.length === 0) throw new UsageError('--conns: empty list');
        break;
      case '--warmup': o.warmup = num(flag, value()); break;
      case '--seconds': o.seconds = num(flag, value(), { min: 0.1 }); break;
      case '--runs': o.runs = num(flag, value(), { int: true, min: 1 }); break;
      case '--size': o.size = num(flag, value(), { int: true, min: 1 }); break;
      case '--servers': o.servers = String(value() ?? '').split(',').map((s) => s.trim()).filter(Boolean); break;
      default: if (!harnessFlag(o, flag, value)) throw new UsageError(`unknown option ${a}`);
    }
  });
  return o;
}


// ---------------------------------------------------------------- report


function summarize(records, servers, opts) {
  const rows = [];
  for (const conns of opts.conns) {
    for (const def of servers) {
      const mine = records.filter((r) => r.server === def.name && r.conns === conns);
      const row = { server: def.name, conns, underTest: !!def.underTest, ...pingPongRow(mine) };
      rows.push(row);
    }
    const ref = (name) => rows.find((r) => r.conns === conns && r.server === name)?.msgsPerSec ?? null;
    for (const row of rows.filter((r) => r.conns === conns)) {
      const n = ref(NODE_NET), c = ref(C_EPOLL);
      row.vsNodeNet = row.msgsPerSec != null && n ? row.msgsPerSec / n : null;
      row.vsCEpoll = row.msgsPerSec != null && c ? row.msgsPerSec / c : null;
    }
  }
  const targets = [];
  for (const row of rows.filter((r) => r.underTest)) {
    for (const t of TARGETS.filter((t) => t.conns === row.conns)) {
      const ratio = t.vs === NODE_NET ? row.vsNodeNet : row.vsCEpoll;
      targets.push({ server: row.server, conns: t.conns, vs: t.vs, min: t.min, ratio, met: ratio != null && ratio >= t.min });
    }
  }
  return { rows, targets };
}

const HEADER = ['server', 'conns', 'msgs/s', 'p50 ms', 'p99 ms', '× node-net', '× c-epoll', 'server CPU', 'server µs/msg', 'of it user', 'client CPU', 'other CPU'];

function rowCells(r) {
  if (r.okRuns === 0) {
    const why = r.skipped ? `skipped: ${r.skipped}` : 'FAILED';
    return [r.server, String(r.conns), why, ...HEADER.slice(3).map(() => '')];
  }
  const failed = r.okRuns < r.runs ? ` (${r.runs - r.okRuns} failed)` : '';
  return [r.server, String(r.conns), fmtInt(r.msgsPerSec) + failed, fmtMs(r.p50Us), fmtMs(r.p99Us),
    fmtX(r.vsNodeNet), fmtX(r.vsCEpoll), fmtCpu(r.serverCpu), fmtUs(r.serverUsPerMsg), fmtUs(r.serverUserUsPerMsg), fmtCpu(r.clientCpu), fmtCpu(r.otherCpu)];
}

function targetLines(targets) {
  if (targets.length === 0) return ['No server under test in this run (only the references): the targets were not checked.'];
  return targets.map((t) => `- ${t.met ? 'met' : 'NOT met'}: ${t.server}, ${t.conns} conns: ${fmtX(t.ratio)} ${t.vs} (target ≥ ${t.min}×)`);
}

function markdown({ date, command, opts, env, rows, targets, notes }) {
  return `# Echo benchmark: latest results

${markdownTable(HEADER, rows.map(rowCells))}

Targets (issue): at 50 connections ≥ 1.6× node-net and ≥ 0.85× c-epoll; at 500 connections ≥ 1.5× node-net.

${targetLines(targets).join('\n')}
${notes.length ? `\nNotes:\n\n${notes.map((n) => `- ${n}`).join('\n')}\n` : ''}
| | |
|---|---|
| command | \`${command}\` |
| date | ${date} |
| kernel (\`uname -r\`) | ${env.kernel} |
| node | ${env.node} |
| CPU | ${env.cpuModel} (${env.cpus} CPUs) |
| C compiler | ${env.cc} |
| method | closed-loop ping-pong, ${opts.size}-byte messages, one in flight per connection; ${opts.warmup} s warm-up, ${opts.seconds} s measured; ${opts.runs} run(s) per cell, ${opts.runs > 1 ? 'medians shown' : 'single run'}; ${opts.pin ? `server pinned to CPU ${opts.serverCpu}, client (apps/bench/c/pingpong.c) to CPU ${opts.clientCpu}` : 'unpinned'} |

Columns: msgs/s = round trips completed per second over all connections; p50/p99 = round-trip
time; × node-net and × c-epoll = msgs/s divided by that server's in the same run; server CPU,
client CPU = CPUs used during the measured window (1.00 = one core saturated); server µs/msg = the
server's CPU time per round trip (server CPU / msgs/s), its cost per message whatever limited the
rate; other CPU = the rest
of the machine's busy time in the window (anything but the two processes: noise). A client CPU near
1.00 means the client, not the server, limited that row. Raw per-run data: the matching
\`echo-<date>.json\` in this folder. How to read it: apps/bench/README.md.
`;
}

// ---------------------------------------------------------------- main

export async function main(argv) {
  const opts = parseOrExplain('echo', parseArgs, argv, USAGE);
  if (!opts) return 2;
  if (opts.help) { process.stdout.write(USAGE); return 0; }

  let servers = echoServers;
  if (opts.servers) {
    const unknown = opts.servers.filter((n) => !echoServers.some((s) => s.name === n));
    if (unknown.length) {
      process.stderr.write(`bench echo: unknown server(s) ${unknown.join(', ')}; known: ${echoServers.map((s) => s.name).join(', ')}\n`);
      return 2;
    }
    servers = echoServers.filter((s) => opts.servers.includes(s.name));
  }
  const pinning = pinningProblem(opts);
  if (pinning) {
    process.stderr.write(`bench echo: ${pinning}\n`);
    return 2;
  }

  const client = ensureBuilt(['pingpong', 'epoll_echo']).pingpong;
  const env = machine();
  const date = new Date();
  const command = commandLine('echo', argv);
  const notes = [];

  const busy = await idleCheck();
  if (busy != null && busy > 0.15) {
    const msg = `before the run, ${busy.toFixed(2)} CPUs were busy with other work: expect noise`;
    notes.push(msg);
    process.stderr.write(`warning: ${msg}\n`);
  }

  const perCell = opts.warmup + opts.seconds + 0.5;
  const est = Math.ceil(perCell * opts.conns.length * opts.runs * servers.length);
  process.stderr.write(`echo benchmark: ${servers.map((s) => s.name).join(', ')}; conns ${opts.conns.join(',')}; ` +
    `${opts.runs} run(s); about ${est} s (+ up to ${opts.noiseBudget} s if the machine is busy)\n`);

  const records = [];
  const budget = noiseBudget(opts);
  for (const conns of opts.conns) {
    for (let run = 0; run < opts.runs; run++) {
      // interleave: every server once per round; rotate the order between rounds
      const order = servers.map((_, i) => servers[(i + run) % servers.length]);
      for (const def of order) {
        const tag = `[${conns} conns, run ${run + 1}/${opts.runs}] ${def.name}`;
        const rec = await measureQuietly(budget, () => measurePingPong(def, conns, opts, client), tag);
        rec.run = run + 1;
        records.push(rec);
        if (rec.skipped) process.stderr.write(`${tag}: skipped (${rec.skipped})\n`);
        else if (!rec.ok) process.stderr.write(`${tag}: FAILED: ${rec.error}\n`);
        else {
          const c = rec.client;
          process.stderr.write(`${tag}: ${fmtInt(c.msgsPerSec)} msgs/s, p50 ${fmtMs(c.p50Us)} ms, p99 ${fmtMs(c.p99Us)} ms, ` +
            `server CPU ${fmtCpu(rec.serverCpu)}, client CPU ${fmtCpu(c.clientCpu)}\n`);
        }
      }
    }
  }

  const { rows, targets } = summarize(records, servers, opts);
  const failed = records.filter((r) => r.error);
  const clientBound = rows.filter((r) => r.clientCpu != null && r.clientCpu >= 0.95);
  if (clientBound.length) {
    notes.push(`client-bound (client CPU ≥ 0.95): ${clientBound.map((r) => `${r.server} @ ${r.conns}`).join(', ')}. ` +
      'On loopback the sender runs the receiver\'s TCP input path too, so the client costs about as much per ' +
      'message as the server: those rows show the harness ceiling, not the server\'s.');
  }
  for (const note of new Set(servers.map((def) => def.note).filter(Boolean))) notes.push(note);
  const noisy = records.filter((r) => r.otherCpu != null && r.otherCpu > NOISY_OTHER);
  if (budget.exhausted) notes.push(`the noise budget (--noise-budget ${opts.noiseBudget} s) ran out: later measurements were not waited for or retried.`);
  if (noisy.length) {
    notes.push(`${noisy.length} of ${records.length} measurement(s) kept despite other work on the machine ` +
      `(other CPU > ${NOISY_OTHER}, after ${opts.retries} retr${opts.retries === 1 ? 'y' : 'ies'}): ` +
      `${noisy.map((r) => `${r.server} @ ${r.conns} run ${r.run}`).join(', ')}. Compare ratios, not absolutes.`);
  }
  if (failed.length) notes.push(`${failed.length} measurement(s) failed: see the JSON file.`);

  process.stdout.write(`\n${textTable(HEADER, rows.map(rowCells))}\n\n${targetLines(targets).join('\n')}\n`);
  if (notes.length) process.stdout.write(`\n${notes.map((n) => `note: ${n}`).join('\n')}\n`);

  if (opts.write) {
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const stamp = fileStamp(date);
    const jsonPath = path.join(RESULTS_DIR, `echo-${stamp}.json`);
    const data = { benchmark: 'echo', date: date.toISOString(), command, argv, options: opts, machine: env, idleCheckBusyCpus: busy, rows, targets, notes, records };
    fs.writeFileSync(jsonPath, `${JSON.stringify(data, null, 2)}\n`);
    const mdPath = path.join(RESULTS_DIR, 'echo-latest.md');
    fs.writeFileSync(mdPath, markdown({ date: date.toISOString(), command, opts, env, rows, targets, notes }));
    process.stdout.write(`\nwrote ${path.relative(REPO_ROOT, jsonPath)} and ${path.relative(REPO_ROOT, mdPath)}\n`);
  }
  return failed.length ? 1 : 0;
}
