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
import { spawn, execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError, eachFlag, numberFlag, parseOrExplain } from './args.mjs';
import { clkTck, fmtCpu, fmtX, idleCheck, machineCpu, median, sleep, waitQuiet } from './measure.mjs';
import { BENCH_DIR, BUILD_DIR, C_DIR, REPO_ROOT, RESULTS_DIR } from './paths.mjs';
import { echoServers, NODE_NET, C_EPOLL } from './echo-servers.mjs';

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

const LISTEN_TIMEOUT_MS = 10_000;
const KILL_AFTER_MS = 2_000;

// ---------------------------------------------------------------- options

function parseArgs(argv) {
  const o = {
    conns: [1, 50, 500],
    warmup: 1,
    seconds: 4,
    runs: 1,
    size: 64,
    servers: null,
    serverCpu: 0,
    clientCpu: 1,
    pin: true,
    write: true,
    quietWait: 5,
    retries: 1,
    noiseBudget: 60,
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
      case '--server-cpu': o.serverCpu = num(flag, value(), { int: true }); break;
      case '--client-cpu': o.clientCpu = num(flag, value(), { int: true }); break;
      case '--no-pin': o.pin = false; break;
      case '--quiet-wait': o.quietWait = num(flag, value()); break;
      case '--retries': o.retries = num(flag, value(), { int: true }); break;
      case '--noise-budget': o.noiseBudget = num(flag, value()); break;
      case '--no-write': o.write = false; break;
      case '-h': case '--help': o.help = true; break;
      default: throw new UsageError(`unknown option ${a}`);
    }
  });
  return o;
}


// ---------------------------------------------------------------- build

function ensureBuilt() {
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  const cc = process.env.CC || 'cc';
  for (const name of ['pingpong', 'epoll_echo']) {
    const src = path.join(C_DIR, `${name}.c`);
    const bin = path.join(BUILD_DIR, name);
    const stale = !fs.existsSync(bin) || fs.statSync(bin).mtimeMs < fs.statSync(src).mtimeMs;
    if (!stale) continue;
    process.stderr.write(`compiling ${path.relative(REPO_ROOT, src)}\n`);
    execFileSync(cc, ['-O2', '-Wall', '-o', bin, src], { stdio: 'inherit' });
  }
  return path.join(BUILD_DIR, 'pingpong');
}

// ---------------------------------------------------------------- /proc sampling


/** CPU seconds used so far by a process (all threads), in user mode and in the kernel, or null. */
function processCpu(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' '); // rest[0] is field 3 (state)
    return { user: Number(rest[11]) / clkTck, system: Number(rest[12]) / clkTck }; // utime, stime
  } catch {
    return null;
  }
}

const QUIET_BUSY = 0.2;  // CPUs busy with other work that still counts as idle
const NOISY_OTHER = 0.15; // other CPU during a measurement that makes it suspect


// ---------------------------------------------------------------- processes


function pinned(cpu, command, args, pin) {
  return pin ? ['taskset', ['-c', String(cpu), command, ...args]] : [command, args];
}

function startServer(def, opts) {
  const [cmd, args] = pinned(opts.serverCpu, def.command, def.args, opts.pin);
  const child = spawn(cmd, args, {
    env: { ...process.env, ...def.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const state = { child, stderr: '', exited: null };
  child.stderr.on('data', (d) => { state.stderr = (state.stderr + d).slice(-4000); });
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => { state.exited = { code, signal }; resolve(state.exited); });
    child.on('error', (err) => { state.exited = { code: null, signal: null, error: err }; resolve(state.exited); });
  });
  state.exitedPromise = exited;
  const port = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "LISTENING <port>" within ${LISTEN_TIMEOUT_MS} ms`)), LISTEN_TIMEOUT_MS);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /^LISTENING (\d+)\s*$/.exec(line);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`server exited before listening (${e.error ? e.error.message : `code ${e.code}, signal ${e.signal}`})`));
    });
  });
  state.port = port;
  return state;
}

async function stopServer(state) {
  if (state.exited) return state.exited;
  state.child.kill('SIGTERM');
  const timeout = sleep(KILL_AFTER_MS).then(() => 'timeout');
  if ((await Promise.race([state.exitedPromise, timeout])) === 'timeout') {
    state.child.kill('SIGKILL');
    await state.exitedPromise;
    state.killed = true;
  }
  return state.exited;
}

/** Runs the client; samples the server's CPU at the measure window's edges. */
function runClient(client, port, conns, opts, serverPid) {
  const [cmd, args] = pinned(opts.clientCpu, client,
    ['127.0.0.1', String(port), String(conns), String(opts.warmup), String(opts.seconds), String(opts.size)], opts.pin);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let json = null;
    const marks = {};
    child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'MEASURE_START' || line === 'MEASURE_END') {
        marks[line] = { t: performance.now(), server: processCpu(serverPid), machine: machineCpu() };
      } else if (line.startsWith('{')) {
        try { json = JSON.parse(line); } catch { stderr += `\nunparsable client output: ${line}`; }
      }
    });
    const limit = (opts.warmup + opts.seconds) * 1000 + 30_000;
    const timer = setTimeout(() => { stderr += `\nclient killed after ${limit} ms`; child.kill('SIGKILL'); }, limit);
    child.on('error', (err) => { clearTimeout(timer); resolve({ code: null, json, stderr: `${stderr}\n${err.message}`, marks }); });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, json, stderr, marks }); });
  });
}

async function measure(def, conns, opts, client) {
  const rec = { server: def.name, conns, ok: false };
  const skip = def.skip?.();
  if (skip) return { ...rec, skipped: skip };
  const server = startServer(def, opts);
  try {
    const port = await server.port;
    const r = await runClient(client, port, conns, opts, server.child.pid);
    rec.client = r.json;
    const s = r.marks.MEASURE_START, e = r.marks.MEASURE_END;
    if (s && e && s.server != null && e.server != null) {
      const wall = (e.t - s.t) / 1000;
      rec.serverUserCpu = (e.server.user - s.server.user) / wall;
      rec.serverCpu = rec.serverUserCpu + (e.server.system - s.server.system) / wall;
      if (s.machine && e.machine) {
        rec.stealCpu = (e.machine.steal - s.machine.steal) / wall;
        // busy CPU time in the window not spent by the server or the client
        rec.otherCpu = (e.machine.busy - s.machine.busy) / wall - rec.serverCpu - (r.json?.clientCpu ?? 0);
      }
    }
    if (server.exited) {
      rec.error = `server died during the run (code ${server.exited.code}, signal ${server.exited.signal}): ${server.stderr.trim()}`;
    } else if (r.code !== 0 || !r.json) {
      rec.error = `client exit ${r.code ?? r.signal}${r.json ? `, errors ${r.json.errors}` : ''}: ${r.stderr.trim()}`;
    } else {
      rec.ok = true;
    }
  } catch (err) {
    rec.error = `${err.message}${server.stderr ? `: ${server.stderr.trim()}` : ''}`;
  } finally {
    await stopServer(server);
    if (server.killed) rec.note = 'server ignored SIGTERM (SIGKILLed)';
  }
  return rec;
}

// ---------------------------------------------------------------- report


function summarize(records, servers, opts) {
  const rows = [];
  for (const conns of opts.conns) {
    for (const def of servers) {
      const mine = records.filter((r) => r.server === def.name && r.conns === conns);
      const ok = mine.filter((r) => r.ok);
      const row = {
        server: def.name,
        conns,
        underTest: !!def.underTest,
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
        clientCpu: median(ok.map((r) => r.client.clientCpu)),
        otherCpu: median(ok.map((r) => r.otherCpu)),
        perRun: ok.map((r) => r.client.msgsPerSec),
        skipped: mine.find((r) => r.skipped)?.skipped ?? null,
        errors: mine.filter((r) => r.error).map((r) => r.error),
      };
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

const fmtInt = (n) => (n == null ? '–' : Math.round(n).toLocaleString('en-US'));
const fmtMs = (us) => (us == null ? '–' : (us / 1000).toFixed(3));
const fmtUs = (x) => (x == null ? '–' : x.toFixed(2));

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

function textTable(rows) {
  const cells = [HEADER, ...rows.map(rowCells)];
  const w = HEADER.map((_, i) => Math.max(...cells.map((c) => c[i].length)));
  const right = (i) => i >= 1;
  return cells.map((c, k) => {
    const line = c.map((s, i) => (right(i) ? s.padStart(w[i]) : s.padEnd(w[i]))).join('  ');
    return k === 0 ? `${line}\n${w.map((n) => '-'.repeat(n)).join('  ')}` : line;
  }).join('\n');
}

function markdownTable(rows) {
  const align = HEADER.map((_, i) => (i === 0 ? ':---' : '---:'));
  const lines = [HEADER, align, ...rows.map(rowCells)].map((c) => `| ${c.join(' | ')} |`);
  return lines.join('\n');
}

function targetLines(targets) {
  if (targets.length === 0) return ['No server under test in this run (only the references): the targets were not checked.'];
  return targets.map((t) => `- ${t.met ? 'met' : 'NOT met'}: ${t.server}, ${t.conns} conns: ${fmtX(t.ratio)} ${t.vs} (target ≥ ${t.min}×)`);
}

function machine() {
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

function commandLine(argv) {
  const args = ['echo', ...argv].join(' ');
  return process.env.npm_lifecycle_event === 'bench' ? `pnpm bench ${args}` : `node ${path.relative(process.cwd(), path.join(BENCH_DIR, 'src', 'cli.mjs')) || 'cli.mjs'} ${args}`;
}

function markdown({ date, command, opts, env, rows, targets, notes }) {
  return `# Echo benchmark: latest results

${markdownTable(rows)}

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
  if (opts.pin) {
    const n = os.cpus().length;
    if (Math.max(opts.serverCpu, opts.clientCpu) >= n) {
      process.stderr.write(`bench echo: this machine has ${n} CPU(s); use --server-cpu/--client-cpu or --no-pin\n`);
      return 2;
    }
    try { execFileSync('taskset', ['-c', '0', 'true']); } catch {
      process.stderr.write('bench echo: taskset (util-linux) is needed for pinning; install it or pass --no-pin\n');
      return 2;
    }
  }

  const client = ensureBuilt();
  const env = machine();
  const date = new Date();
  const command = commandLine(argv);
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
  let extraS = 0; // seconds spent waiting for quiet and re-measuring, bounded by --noise-budget
  for (const conns of opts.conns) {
    for (let run = 0; run < opts.runs; run++) {
      // interleave: every server once per round; rotate the order between rounds
      const order = servers.map((_, i) => servers[(i + run) % servers.length]);
      for (const def of order) {
        let rec;
        for (let attempt = 0; ; attempt++) {
          const t0 = performance.now();
          const allowWait = Math.min(opts.quietWait, Math.max(0, opts.noiseBudget - extraS));
          const waited = allowWait > 0 ? await waitQuiet(allowWait, QUIET_BUSY, 400) : 0;
          const r = await measure(def, conns, opts, client);
          r.attempt = attempt + 1;
          r.quietWaitS = waited < 0 ? null : Number(waited.toFixed(1));
          if (waited < 0) r.note = [r.note, `machine not idle after ${allowWait.toFixed(0)} s; measured anyway`].filter(Boolean).join('; ');
          extraS += waited < 0 ? allowWait : Math.max(0, waited - 0.5); // one idle check (0.4 s) is free
          if (attempt > 0) extraS += (performance.now() - t0) / 1000 - Math.max(0, waited);
          // of several attempts keep the least disturbed one
          if (!rec || (r.ok && (!rec.ok || (r.otherCpu ?? 0) < (rec.otherCpu ?? 0)))) rec = r;
          const noisy = rec.ok && rec.otherCpu != null && rec.otherCpu > NOISY_OTHER;
          if (!noisy || attempt >= opts.retries || extraS >= opts.noiseBudget) break;
          process.stderr.write(`[${conns} conns, run ${run + 1}/${opts.runs}] ${def.name}: other work during the ` +
            `measurement (${r.otherCpu.toFixed(2)} CPU), measuring again\n`);
        }
        rec.run = run + 1;
        records.push(rec);
        const tag = `[${conns} conns, run ${run + 1}/${opts.runs}] ${def.name}`;
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
  if (extraS >= opts.noiseBudget) notes.push(`the noise budget (--noise-budget ${opts.noiseBudget} s) ran out: later measurements were not waited for or retried.`);
  if (noisy.length) {
    notes.push(`${noisy.length} of ${records.length} measurement(s) kept despite other work on the machine ` +
      `(other CPU > ${NOISY_OTHER}, after ${opts.retries} retr${opts.retries === 1 ? 'y' : 'ies'}): ` +
      `${noisy.map((r) => `${r.server} @ ${r.conns} run ${r.run}`).join(', ')}. Compare ratios, not absolutes.`);
  }
  if (failed.length) notes.push(`${failed.length} measurement(s) failed: see the JSON file.`);

  process.stdout.write(`\n${textTable(rows)}\n\n${targetLines(targets).join('\n')}\n`);
  if (notes.length) process.stdout.write(`\n${notes.map((n) => `note: ${n}`).join('\n')}\n`);

  if (opts.write) {
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const stamp = date.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
    const jsonPath = path.join(RESULTS_DIR, `echo-${stamp}.json`);
    const data = { benchmark: 'echo', date: date.toISOString(), command, argv, options: opts, machine: env, idleCheckBusyCpus: busy, rows, targets, notes, records };
    fs.writeFileSync(jsonPath, `${JSON.stringify(data, null, 2)}\n`);
    const mdPath = path.join(RESULTS_DIR, 'echo-latest.md');
    fs.writeFileSync(mdPath, markdown({ date: date.toISOString(), command, opts, env, rows, targets, notes }));
    process.stdout.write(`\nwrote ${path.relative(REPO_ROOT, jsonPath)} and ${path.relative(REPO_ROOT, mdPath)}\n`);
  }
  return failed.length ? 1 : 0;
}
