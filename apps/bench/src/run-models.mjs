// `pnpm bench models`: every model's driver on both engines against Node net and the raw
// completion-port server, in one run: closed-loop ping-pong (c/pingpong.c) at 1, 50 and 500
// connections (the raw server on @wsm/rx's fromIocp too, at 50 and 500), the iocp driver and
// Node net on two processes (cluster), a bulk echo over one connection (c/bulk.c), and server
// memory per idle connection. Writes
// bench/results/models-latest.md, models-latest.svg and models-<date>.json.
//
// Measurement is the echo benchmark's (pingpong.mjs, processes.mjs, quiet-rounds.mjs): servers
// pinned to one CPU, the client to the other, the rows interleaved round by round.
// See ../README.md ("models") for how to read the output.
import fs from 'node:fs';
import path from 'node:path';
import { HARNESS_DEFAULTS, HARNESS_USAGE, UsageError, bytesFlag, eachFlag, harnessFlag, listFlag as list, numberFlag, runOptions } from './args.mjs';
import { measureBulk, bulkRow } from './bulk.mjs';
import { idleRow, measureIdle } from './idle-rss.mjs';
import { fmtCpu, idleCheck } from './measure.mjs';
import { renderModelsChart } from './models-chart.mjs';
import { TARGETS_TEXT, addNodeNetRatios, checkTargets, markdownTables, tables, targetLines, textTables } from './models-report.mjs';
import { NODE_NET, clusterServers, driverRow, modelServers, rxServers } from './model-servers.mjs';
import { REPO_ROOT, RESULTS_DIR } from './paths.mjs';
import { measurePingPong, pingPongRow } from './pingpong.mjs';
import { ensureBuilt } from './processes.mjs';
import { logRecord, measureQuietly, noiseBudget, rotated, runNotes } from './quiet-rounds.mjs';
import { commandLine, environmentRows, fileStamp, fmtInt, fmtMs, machine } from './report.mjs';

const SECTIONS = ['pingpong', 'cluster', 'bulk', 'idle'];

const USAGE = `usage: pnpm bench models [options]

  --conns LIST        ping-pong connection counts            (default 1,50,500;
                      the cluster rows run at 50 and 500 only)
  --duration S        measured seconds per ping-pong cell     (default 4)
  --warmup S          warm-up seconds per ping-pong cell      (default 1)
  --runs N            runs of every cell; medians shown       (default 1)
  --only LIST         only rows whose name contains one of these
                      substrings (comma-separated), e.g. --only iocp,node-net
  --sections LIST     of ${SECTIONS.join(',')}             (default all)
  --bulk-bytes N      bytes echoed by the bulk client; K, M, G suffixes
                      (powers of 1024)                       (default 1G)
  --bulk-chunk N      the bulk client's send/recv size       (default 64K)
  --idle-conns N      idle connections for the RSS measurement (default 10000;
                      needs ulimit -n above it)
${HARNESS_USAGE}`;

function parseArgs(argv) {
  const o = {
    conns: [1, 50, 500], warmup: 1, seconds: 4, runs: 1, size: 64, only: null, sections: SECTIONS,
    bulkBytes: 1024 ** 3, bulkChunk: 64 * 1024, idleConns: 10_000,
    ...HARNESS_DEFAULTS,
  };
  const num = numberFlag;
  eachFlag(argv, (flag, value, a) => {
    switch (flag) {
      case '--conns':
        o.conns = list(value()).map((c) => num('--conns', c, { int: true, min: 1 }));
        if (o.conns.length === 0) throw new UsageError('--conns: empty list');
        break;
      case '--duration': o.seconds = num(flag, value(), { min: 0.1 }); break;
      case '--warmup': o.warmup = num(flag, value()); break;
      case '--runs': o.runs = num(flag, value(), { int: true, min: 1 }); break;
      case '--only': o.only = list(value()); if (o.only.length === 0) throw new UsageError('--only: empty list'); break;
      case '--sections':
        o.sections = list(value());
        for (const s of o.sections) if (!SECTIONS.includes(s)) throw new UsageError(`--sections: unknown section ${s}; known: ${SECTIONS.join(', ')}`);
        break;
      case '--bulk-bytes': o.bulkBytes = bytesFlag(flag, value()); break;
      case '--bulk-chunk': o.bulkChunk = bytesFlag(flag, value()); if (o.bulkChunk > 64 * 1024 ** 2) throw new UsageError('--bulk-chunk: at most 64M'); break;
      case '--idle-conns': o.idleConns = num(flag, value(), { int: true, min: 1 }); break;
      default: if (!harnessFlag(o, flag, value)) throw new UsageError(`unknown option ${a}`);
    }
  });
  return o;
}

/** The rows of each section this run measures. */
function plan(opts) {
  const picked = (def) => !opts.only || opts.only.some((s) => def.name.includes(s));
  const has = (s) => opts.sections.includes(s);
  const servers = modelServers().filter(picked);
  const rx = rxServers().filter(picked);
  const cluster = clusterServers().filter(picked);
  const at = (defs, conns) => defs.filter((d) => d.conns.includes(conns));
  return {
    // the rx and cluster rows run in the ping-pong rounds, at the connection counts they are made for
    pingpong: opts.conns.map((conns) => [
      ...(has('pingpong') ? [...servers, ...at(rx, conns)] : []),
      ...(has('cluster') ? at(cluster, conns) : []),
    ]),
    bulk: has('bulk') ? servers : [],
    // idle memory: the iocp driver on both engines against Node net
    idle: has('idle') ? servers.filter((d) => d.name === NODE_NET || (d.kind === 'driver' && d.model === 'iocp')) : [],
  };
}

/** Rough seconds a run takes (before waits for quiet): for the estimate printed at the start. */
function estimateSeconds(p, opts) {
  const cells = p.pingpong.reduce((n, defs) => n + defs.length, 0);
  const bulkS = p.bulk.length * (1.5 + opts.bulkBytes / 400e6);
  const idleS = p.idle.length * (6 + opts.idleConns / 2000);
  return Math.ceil(opts.runs * (cells * (opts.warmup + opts.seconds + 1) + bulkS + idleS));
}

/** Every record of every section, interleaved: each round measures every row once, order rotating. */
async function measureAll(p, opts, bins) {
  const budget = noiseBudget(opts);
  const records = [];
  for (const [k, conns] of opts.conns.entries()) {
    for (let run = 0; run < opts.runs; run++) {
      for (const def of rotated(p.pingpong[k], run)) {
        const tag = `[ping-pong ${conns} conns, run ${run + 1}/${opts.runs}] ${def.name}`;
        const rec = await measureQuietly(budget, () => measurePingPong(def, conns, opts, bins.pingpong), tag);
        records.push({ ...rec, section: 'pingpong', run: run + 1 });
        logRecord(tag, rec, (r) => `${fmtInt(r.client.msgsPerSec)} msgs/s, p50 ${fmtMs(r.client.p50Us)} ms, ` +
          `server CPU ${fmtCpu(r.serverCpu)}, client CPU ${fmtCpu(r.client.clientCpu)}`);
      }
    }
  }
  for (let run = 0; run < opts.runs; run++) {
    for (const def of rotated(p.bulk, run)) {
      const tag = `[bulk, run ${run + 1}/${opts.runs}] ${def.name}`;
      const rec = await measureQuietly(budget, () => measureBulk(def, opts, bins.bulk), tag);
      records.push({ ...rec, run: run + 1 });
      logRecord(tag, rec, (r) => `${r.client.mbPerSec.toFixed(0)} MB/s, server CPU ${r.serverCpuSecPerGB.toFixed(2)} s/GB`);
    }
  }
  for (let run = 0; run < opts.runs; run++) {
    for (const def of rotated(p.idle, run)) {
      const tag = `[idle ${opts.idleConns} conns, run ${run + 1}/${opts.runs}] ${def.name}`;
      // idle memory does not depend on CPU noise: no retries, no wait
      const rec = await measureIdle(def, opts);
      records.push({ ...rec, run: run + 1 });
      logRecord(tag, rec, (r) => `RSS ${(r.rssBefore / 2 ** 20).toFixed(1)} → ${(r.rssAfter / 2 ** 20).toFixed(1)} MiB, ` +
        `${(r.bytesPerConn / 1024).toFixed(2)} KiB per connection`);
    }
  }
  return { records, budget };
}

function summarize(p, opts, records) {
  const meta = (def) => ({ server: def.name, kind: def.kind, model: def.model ?? null, engine: def.engine, label: def.label });
  const mine = (section, def, conns) => records.filter((r) => r.section === section && r.server === def.name && (conns == null || r.conns === conns));
  const rows = {
    pingpong: opts.conns.flatMap((conns, k) => p.pingpong[k].map((def) => ({ ...meta(def), conns, ...pingPongRow(mine('pingpong', def, conns)) }))),
    bulk: p.bulk.map((def) => ({ ...meta(def), ...bulkRow(mine('bulk', def)) })),
    idle: p.idle.map((def) => ({ ...meta(def), conns: opts.idleConns, ...idleRow(mine('idle', def)) })),
  };
  addNodeNetRatios(rows);
  return rows;
}

function modelNotes(p, rows, records, budget, opts) {
  const defNotes = [...new Set(p.pingpong.flat().map((d) => d.note).filter(Boolean))];
  return runNotes(rows.pingpong, records, budget, opts, defNotes);
}

function markdown({ date, command, opts, env, rows, targets, notes }) {
  return `# Models benchmark: latest results

Every driver of \`@wsm/core-native\` (\`listen({ model })\` + \`Connection\`, [servers/wsm-driver.mjs](../../apps/bench/servers/wsm-driver.mjs))
on both engines, against Node \`net\` and the raw completion-port server (\`wsm-iocp\`), and that server with its packets
consumed through \`@wsm/rx\`'s \`fromIocp\` (\`rx fromIocp\`, [servers/wsm-rx.mjs](../../apps/bench/servers/wsm-rx.mjs)).
Chart: [models-latest.svg](models-latest.svg).

![msgs/s and server µs/msg per model and engine](models-latest.svg)

${markdownTables(tables(rows))}

${TARGETS_TEXT}

${targetLines(targets).join('\n')}
${notes.length ? `\nNotes:\n\n${notes.map((n) => `- ${n}`).join('\n')}\n` : ''}
| | |
|---|---|
${environmentRows(command, date, env)}
| ping-pong | closed loop, ${opts.size}-byte messages, one in flight per connection; ${opts.warmup} s warm-up, ${opts.seconds} s measured |
| bulk | ${opts.bulkBytes} bytes echoed over one connection in ${opts.bulkChunk}-byte sends and receives, read back while sending (apps/bench/c/bulk.c) |
| idle | ${opts.idleConns} connections that send nothing; server RSS (VmRSS) once all are accepted minus before |
| runs | ${opts.runs} per cell, ${opts.runs > 1 ? 'medians shown' : 'single run'}; ${opts.pin ? `server pinned to CPU ${opts.serverCpu}, client to CPU ${opts.clientCpu}` : 'unpinned'} |

Columns: as in echo-latest.md; µs/msg × node-net = server µs/msg ÷ Node net's at the same connection
count; MB/s = bytes echoed ÷ seconds from the first byte sent to the last byte back; server CPU s/GB =
server CPU seconds ÷ GB echoed (each byte received and sent once). Raw data: the matching
\`models-<date>.json\` in this folder. How to read it: apps/bench/README.md ("models").
`;
}

/** The chart's points: one per ping-pong row that has a number. */
const chartPoints = (rows) => rows.pingpong.filter((r) => r.okRuns > 0).map((r) => ({
  label: r.label, engine: r.engine, kind: r.kind, conns: r.conns, msgsPerSec: Math.round(r.msgsPerSec), serverUsPerMsg: Number(r.serverUsPerMsg.toFixed(3)),
}));

export async function main(argv) {
  const opts = runOptions('models', parseArgs, argv, USAGE);
  if (opts.exit !== undefined) return opts.exit;
  const p = plan(opts);
  if (p.pingpong.every((d) => d.length === 0) && p.bulk.length === 0 && p.idle.length === 0) {
    process.stderr.write(`bench models: no row matches --only ${opts.only?.join(',')} in sections ${opts.sections.join(',')}\n`);
    return 2;
  }
  const built = ensureBuilt(['pingpong', 'bulk']);
  const env = machine();
  const date = new Date();
  const command = commandLine('models', argv);

  const busy = await idleCheck();
  if (busy != null && busy > 0.15) process.stderr.write(`warning: before the run, ${busy.toFixed(2)} CPUs were busy with other work: expect noise\n`);
  process.stderr.write(`models benchmark: ${driverRow('<model>', '<engine>')} for ${[...new Set(p.bulk.concat(p.pingpong.flat()).map((d) => d.model).filter(Boolean))].join(', ')}; ` +
    `about ${estimateSeconds(p, opts)} s (+ up to ${opts.noiseBudget} s if the machine is busy)\n`);

  const { records, budget } = await measureAll(p, opts, built);
  const rows = summarize(p, opts, records);
  const targets = checkTargets(rows);
  const notes = modelNotes(p, rows, records, budget, opts);
  if (busy != null && busy > 0.15) notes.unshift(`before the run, ${busy.toFixed(2)} CPUs were busy with other work: expect noise`);

  process.stdout.write(`\n${textTables(tables(rows))}\n\n${targetLines(targets).join('\n')}\n`);
  if (notes.length) process.stdout.write(`\n${notes.map((n) => `note: ${n}`).join('\n')}\n`);

  if (opts.write) {
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const jsonPath = path.join(RESULTS_DIR, `models-${fileStamp(date)}.json`);
    const data = { benchmark: 'models', date: date.toISOString(), command, argv, options: opts, machine: env, idleCheckBusyCpus: busy, rows, targets, notes, records };
    fs.writeFileSync(jsonPath, `${JSON.stringify(data, null, 2)}\n`);
    const svgPath = path.join(RESULTS_DIR, 'models-latest.svg');
    fs.writeFileSync(svgPath, await renderModelsChart(chartPoints(rows), `pnpm bench models, ${date.toISOString().slice(0, 10)} (${env.cpus} CPUs, ${env.node})`));
    const mdPath = path.join(RESULTS_DIR, 'models-latest.md');
    fs.writeFileSync(mdPath, markdown({ date: date.toISOString(), command, opts, env, rows, targets, notes }));
    process.stdout.write(`\nwrote ${[jsonPath, mdPath, svgPath].map((f) => path.relative(REPO_ROOT, f)).join(', ')}\n`);
  }
  return records.some((r) => r.error) ? 1 : 0;
}
