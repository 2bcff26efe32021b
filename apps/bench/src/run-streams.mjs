// `pnpm bench streams`: @wsm/streams sockets against Node's own, every row beside Node's in one
// run: `socket.pipe(socket)` echo (c/pingpong.c at 50 and 500 connections), node:http keep-alive
// served through serveHttp (wrk, 100 connections), 1 GiB through one piped connection (c/bulk.c),
// and tls echo over our sockets (src/tls-pingpong.mjs). Writes bench/results/streams-latest.md,
// streams-latest.svg and streams-<date>.json.
//
// Measurement is the models benchmark's (pingpong.mjs, bulk.mjs, processes.mjs, quiet-rounds.mjs):
// servers pinned to one CPU, the client to the other, the rows interleaved round by round.
// See ../README.md ("streams") for how to read the output.
import fs from 'node:fs';
import path from 'node:path';
import { HARNESS_DEFAULTS, HARNESS_USAGE, UsageError, bytesFlag, eachFlag, harnessFlag, listFlag, numberFlag, runOptions } from './args.mjs';
import { bulkRow, measureBulk } from './bulk.mjs';
import { fmtCpu, idleCheck } from './measure.mjs';
import { BENCH_DIR, REPO_ROOT, RESULTS_DIR } from './paths.mjs';
import { measurePingPong, pingPongArgs, pingPongRow } from './pingpong.mjs';
import { ensureBuilt } from './processes.mjs';
import { logRecord, measureQuietly, noiseBudget, rotated, runNotes } from './quiet-rounds.mjs';
import { commandLine, environmentRows, fileStamp, fmtInt, fmtMs, machine, markdownTable, textTable } from './report.mjs';
import { TARGETS_TEXT, addNodeRatios, chartPoints, checkTargets, renderStreamsChart, tables, targetLines } from './streams-report.mjs';
import { SECTIONS, streamsServers } from './streams-servers.mjs';
import { WRK_MISSING, findWrk, wrkClient } from './wrk.mjs';
import { MODELS } from '@wsm/core-native';

const ENGINES = ['io_uring', 'epoll'];
const TLS_CLIENT = path.join(BENCH_DIR, 'src', 'tls-pingpong.mjs');
// --quick: every row once, short, for a smoke test (about a minute)
const QUICK = { seconds: 1, warmup: 0.5, runs: 1, bulkBytes: 256 * 1024 ** 2, quietWait: 1, retries: 0, noiseBudget: 10 };

const USAGE = `usage: pnpm bench streams [options]

  --sections LIST     of ${SECTIONS.join(',')}                  (default all)
  --models LIST       our rows' models                       (default iocp)
  --engines LIST      our rows' engines                      (default ${ENGINES.join(',')})
  --only LIST         only rows whose name contains one of these substrings
                      (comma-separated), e.g. --only io_uring,node
  --conns LIST        pipe echo connection counts            (default 50,500)
  --http-conns N      node:http connections                  (default 100)
  --tls-conns N       tls echo connections                   (default 50)
  --duration S        measured seconds per cell              (default 4; wrk: whole seconds)
  --warmup S          warm-up seconds per cell               (default 1)
  --runs N            runs of every cell; medians shown      (default 1)
  --bulk-bytes N      bytes through the piped connection; K, M, G suffixes
                      (powers of 1024)                       (default 1G)
  --bulk-chunk N      the bulk client's send/recv size       (default 64K)
  --quick             a smoke run of about a minute: --duration 1 --warmup 0.5
                      --runs 1 --bulk-bytes 256M --quiet-wait 1 --retries 0
                      --noise-budget 10 (later flags override)
${HARNESS_USAGE}`;

function parseArgs(argv) {
  const o = {
    sections: SECTIONS, models: ['iocp'], engines: ENGINES, only: null, conns: [50, 500], httpConns: 100, tlsConns: 50,
    warmup: 1, seconds: 4, runs: 1, size: 64, bulkBytes: 1024 ** 3, bulkChunk: 64 * 1024, quick: false,
    ...HARNESS_DEFAULTS,
  };
  if (argv.includes('--quick')) Object.assign(o, QUICK, { quick: true });
  const num = numberFlag;
  const nonEmpty = (flag, items) => {
    if (items.length === 0) throw new UsageError(`${flag}: empty list`);
    return items;
  };
  const known = (flag, items, all) => {
    for (const x of nonEmpty(flag, items)) if (!all.includes(x)) throw new UsageError(`${flag}: unknown ${x}; known: ${all.join(', ')}`);
    return items;
  };
  eachFlag(argv, (flag, value, a) => {
    switch (flag) {
      case '--sections': o.sections = known(flag, listFlag(value()), SECTIONS); break;
      case '--models': o.models = known(flag, listFlag(value()), MODELS); break;
      case '--engines': o.engines = known(flag, listFlag(value()), ENGINES); break;
      case '--only': o.only = nonEmpty(flag, listFlag(value())); break;
      case '--conns': o.conns = nonEmpty(flag, listFlag(value())).map((c) => num(flag, c, { int: true, min: 1 })); break;
      case '--http-conns': o.httpConns = num(flag, value(), { int: true, min: 1 }); break;
      case '--tls-conns': o.tlsConns = num(flag, value(), { int: true, min: 1 }); break;
      case '--duration': o.seconds = num(flag, value(), { min: 0.1 }); break;
      case '--warmup': o.warmup = num(flag, value()); break;
      case '--runs': o.runs = num(flag, value(), { int: true, min: 1 }); break;
      case '--bulk-bytes': o.bulkBytes = bytesFlag(flag, value()); break;
      case '--bulk-chunk': o.bulkChunk = bytesFlag(flag, value()); if (o.bulkChunk > 64 * 1024 ** 2) throw new UsageError('--bulk-chunk: at most 64M'); break;
      case '--quick': break;
      default: if (!harnessFlag(o, flag, value)) throw new UsageError(`unknown option ${a}`);
    }
  });
  return o;
}

/**
 * The cells of the run, in the order they are measured: { section, conns, defs }, each measured
 * --runs times with the order of its rows rotated. The client of each section: c/pingpong.c
 * (pipe), wrk (http), c/bulk.c (bulk), src/tls-pingpong.mjs (tls).
 */
function plan(opts) {
  const picked = (def) => !opts.only || opts.only.some((s) => def.name.includes(s));
  const rows = (section) => (opts.sections.includes(section) ? streamsServers(section, opts).filter(picked) : []);
  return [
    ...opts.conns.map((conns) => ({ section: 'pipe', conns, defs: rows('pipe') })),
    { section: 'http', conns: opts.httpConns, defs: rows('http') },
    { section: 'bulk', conns: 1, defs: rows('bulk') },
    { section: 'tls', conns: opts.tlsConns, defs: rows('tls') },
  ].filter((cell) => cell.defs.length > 0);
}

/** Rough seconds a run takes (before waits for quiet): for the estimate printed at the start. */
function estimateSeconds(cells, opts) {
  const per = (c) => (c.section === 'bulk' ? 1.5 + opts.bulkBytes / 400e6 : opts.warmup + opts.seconds + 1.5);
  return Math.ceil(opts.runs * cells.reduce((s, c) => s + c.defs.length * per(c), 0));
}

const describe = {
  pingpong: (r) => `${fmtInt(r.client.msgsPerSec)}/s, p50 ${fmtMs(r.client.p50Us)} ms, p99 ${fmtMs(r.client.p99Us)} ms, ` +
    `server CPU ${fmtCpu(r.serverCpu)}, client CPU ${fmtCpu(r.client.clientCpu ?? r.clientCpu)}`,
  bulk: (r) => `${r.client.mbPerSec.toFixed(0)} MB/s, server CPU ${r.serverCpuSecPerGB.toFixed(2)} s/GB`,
};

/** Every record, cell by cell: each run measures every row of the cell once, order rotating. */
async function measureAll(cells, opts, clients) {
  const budget = noiseBudget(opts);
  const records = [];
  for (const cell of cells) {
    for (let run = 0; run < opts.runs; run++) {
      for (const def of rotated(cell.defs, run)) {
        const tag = `[${cell.section}${cell.section === 'bulk' ? '' : ` ${cell.conns} conns`}, run ${run + 1}/${opts.runs}] ${def.name}`;
        const client = clients[cell.section];
        const measure = cell.section === 'bulk'
          ? () => measureBulk(def, opts, client)
          : () => (client ? measurePingPong(def, cell.conns, opts, client) : Promise.resolve({ server: def.name, conns: cell.conns, ok: false, skipped: WRK_MISSING }));
        const rec = await measureQuietly(budget, measure, tag);
        records.push({ ...rec, section: cell.section, conns: cell.section === 'bulk' ? null : cell.conns, run: run + 1 });
        logRecord(tag, rec, cell.section === 'bulk' ? describe.bulk : describe.pingpong);
      }
    }
  }
  return { records, budget };
}

function summarize(cells, records) {
  const rows = cells.flatMap((cell) => cell.defs.map((def) => {
    const mine = records.filter((r) => r.section === cell.section && r.server === def.name && (cell.section === 'bulk' || r.conns === cell.conns));
    const meta = { server: def.name, section: cell.section, kind: def.kind, model: def.model, engine: def.engine, label: def.label };
    return cell.section === 'bulk' ? { ...meta, conns: null, ...bulkRow(mine) } : { ...meta, conns: cell.conns, ...pingPongRow(mine) };
  }));
  addNodeRatios(rows);
  return rows;
}

// What the rows cost and why a target is missed, from profiles of the pipe and http rows (perf
// record -e cpu-clock -g on the server, io_uring, 2026-12-06) and the models benchmark's findings;
// apps/bench/README.md ("streams") has the same. Re-check after changes.
const COSTS_TEXT = `## What the rows cost, and why a target is missed

- **pipe echo (≥ 1.3× Node's msgs/s): out of reach for any stream on this engine.** Both servers
  do the same kernel work per message (a receive and a send on loopback, about two thirds of a
  server's CPU here) and run the same stream machinery (\`Readable#pipe\` into \`Writable#write\`);
  only the layer under the stream differs, and ours costs less than Node's (server µs/msg below
  1.0× Node's on io_uring). With the server's CPU the limit, 1.3× Node's msgs/s needs 0.77× its
  CPU per message. The raw completion-port echo server, with no stream, no \`Connection\` and one
  \`Overlapped\` per operation, is at 0.75–0.82× Node net's µs/msg (models-latest.md), and the
  engine's floor (\`wsm-floor\`, the least JavaScript an echo needs) was 0.73×: a \`stream.Duplex\`
  piped into itself adds Node's own stream machinery on top of that floor, so it cannot reach 0.77×.
- **bulk (≥ 1.0× Node's MB/s at no more CPU per GB).** Met since the engines' receive buffers were
  mended (io_uring: buffers provided as needed, 64 KiB ones for large receives; epoll: the scratch
  block kept) and a paused completion driver reads one receive ahead (apps/bench/README.md,
  models). What remains is the engine's copy of every byte in and out (its memory rule), and on
  Node 20 a pause and resume of the connection per 16 KiB (the stream's default high-water mark).
- **node:http (≥ 1.0× Node's req/s): close, and the gap is node:http's, by design.** Over a
  \`net.Socket\` node:http's parser reads the native handle itself (\`parser.consume(socket._handle)\`:
  llhttp takes the bytes from libuv in C++, no \`'data'\` event); over any JavaScript Duplex, ours
  included, it listens to \`'data'\` and calls \`parser.execute\` per chunk, more JavaScript per
  request (a profile of the http row shows 26 % of the server's samples in JavaScript, against
  16 % for Node's server). Handing node:http a native handle is what the issue rules out (tls and
  http would take a fake \`_handle\` for a native one). The tail latency is better on ours (p99).
- **tls (reported).** A \`TLSSocket\` over a socket without a native handle (ours) wraps it in
  Node's \`JSStreamSocket\`: every encrypted chunk goes from our socket's \`'data'\` through
  \`JSStreamSocket\` into the TLS engine and back out through a JavaScript \`write\` with its
  callback, two more copies and several more JavaScript calls per chunk each way, where over a
  \`net.Socket\` the TLS engine reads and writes libuv's stream in C++. Its price is the tls table's
  µs/msg × node column.`;

function markdown({ date, command, opts, env, rows, targets, notes }) {
  const t = tables(rows, opts.sections, opts);
  return `# Streams benchmark: latest results

\`@wsm/streams\` sockets (${opts.models.join(', ')} on ${opts.engines.join(' and ')}) against Node's own, every row beside
Node's in the same run (\`node\`): \`socket.pipe(socket)\` echo, node:http keep-alive (\`serveHttp\`), one
piped bulk connection and tls echo. Servers: [apps/bench/servers](../../apps/bench/servers) (\`streams-pipe.mjs\`,
\`node-net-pipe.mjs\`, \`http-hello.mjs\`, \`tls-echo.mjs\`). Chart: [streams-latest.svg](streams-latest.svg).
${opts.quick ? `
> **A \`--quick\` smoke run** (${opts.seconds} s cells, ${opts.bulkBytes / 1024 ** 2} MiB bulk, no waiting for a quiet machine):
> it shows that every row works, not how fast they are. The benchmark's result is a full run (\`pnpm bench streams --runs 3\`).
` : ''}
![rates and server CPU per unit, ours beside Node's](streams-latest.svg)

${t.map((x) => `## ${x.title}\n\n${markdownTable(x.header, x.cells)}`).join('\n\n')}

${TARGETS_TEXT}

${targetLines(targets).join('\n')}

${COSTS_TEXT}
${notes.length ? `\nNotes:\n\n${notes.map((n) => `- ${n}`).join('\n')}\n` : ''}
| | |
|---|---|
${environmentRows(command, date, env)}
| pipe, tls | closed loop, ${opts.size}-byte messages, one in flight per connection; ${opts.warmup} s warm-up, ${opts.seconds} s measured |
| http | wrk -t1 --latency, keep-alive, ${opts.httpConns} connections; ${Math.max(1, Math.round(opts.warmup))} s warm-up run, ${Math.max(1, Math.round(opts.seconds))} s measured |
| bulk | ${opts.bulkBytes} bytes echoed through one connection in ${opts.bulkChunk}-byte sends and receives, read back while sending (apps/bench/c/bulk.c) |
| runs | ${opts.runs} per cell, ${opts.runs > 1 ? 'medians shown' : 'single run'}; ${opts.pin ? `server pinned to CPU ${opts.serverCpu}, client to CPU ${opts.clientCpu}` : 'unpinned'} |

Columns: as in models-latest.md; × node = the row's rate ÷ Node's in the same section and at the same
connection count; µs/msg (µs/req) × node = server CPU per round trip ÷ Node's. Raw data: the matching
\`streams-<date>.json\` in this folder. How to read it: apps/bench/README.md ("streams").
`;
}

export async function main(argv) {
  const opts = runOptions('streams', parseArgs, argv, USAGE);
  if (opts.exit !== undefined) return opts.exit;
  const cells = plan(opts);
  if (cells.length === 0) {
    process.stderr.write(`bench streams: no row matches --only ${opts.only?.join(',')} in sections ${opts.sections.join(',')}\n`);
    return 2;
  }
  const built = ensureBuilt(['pingpong', 'bulk']);
  const wrk = cells.some((c) => c.section === 'http') ? findWrk() : null;
  const clients = {
    pipe: built.pingpong,
    http: wrk && wrkClient(wrk),
    bulk: built.bulk,
    tls: { program: process.execPath, args: (port, conns, o) => [TLS_CLIENT, ...pingPongArgs(port, conns, o)] },
  };
  const env = machine();
  const date = new Date();
  const command = commandLine('streams', argv);

  const busy = await idleCheck();
  if (busy != null && busy > 0.15) process.stderr.write(`warning: before the run, ${busy.toFixed(2)} CPUs were busy with other work: expect noise\n`);
  process.stderr.write(`streams benchmark: about ${estimateSeconds(cells, opts)} s (+ up to ${opts.noiseBudget} s if the machine is busy)\n`);

  const { records, budget } = await measureAll(cells, opts, clients);
  const rows = summarize(cells, records);
  const targets = checkTargets(rows);
  const notes = runNotes(rows.filter((r) => r.section !== 'bulk'), records, budget, opts,
    wrk || !cells.some((c) => c.section === 'http') ? [] : [`node:http rows not measured: ${WRK_MISSING}`]);
  if (busy != null && busy > 0.15) notes.unshift(`before the run, ${busy.toFixed(2)} CPUs were busy with other work: expect noise`);

  const t = tables(rows, opts.sections, opts);
  process.stdout.write(`\n${t.map((x) => `${x.title}\n\n${textTable(x.header, x.cells)}`).join('\n\n')}\n\n${targetLines(targets).join('\n')}\n`);
  if (notes.length) process.stdout.write(`\n${notes.map((n) => `note: ${n}`).join('\n')}\n`);

  if (opts.write) {
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const jsonPath = path.join(RESULTS_DIR, `streams-${fileStamp(date)}.json`);
    const data = { benchmark: 'streams', date: date.toISOString(), command, argv, options: opts, machine: env, wrk, idleCheckBusyCpus: busy, rows, targets, notes, records };
    fs.writeFileSync(jsonPath, `${JSON.stringify(data, null, 2)}\n`);
    const svgPath = path.join(RESULTS_DIR, 'streams-latest.svg');
    fs.writeFileSync(svgPath, await renderStreamsChart(chartPoints(rows), `pnpm bench streams${opts.quick ? ' --quick (smoke run)' : ''}, ${date.toISOString().slice(0, 10)} (${env.cpus} CPUs, ${env.node})`));
    const mdPath = path.join(RESULTS_DIR, 'streams-latest.md');
    fs.writeFileSync(mdPath, markdown({ date: date.toISOString(), command, opts, env, rows, targets, notes }));
    process.stdout.write(`\nwrote ${[jsonPath, mdPath, svgPath].map((f) => path.relative(REPO_ROOT, f)).join(', ')}\n`);
  }
  return records.some((r) => r.error) ? 1 : 0;
}
