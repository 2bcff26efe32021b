// The tables, targets and chart of `pnpm bench streams`: every row beside Node's own ('node') in
// the same section (and at the same connection count).
import { groupedBars, renderBarChart } from './bar-chart.mjs';
import { fmtX } from './measure.mjs';
import { fmtMs } from './report.mjs';
import { addRatios, bulkColumns, pingPongColumns } from './row-tables.mjs';
import { NODE } from './streams-servers.mjs';

const GiB = 1024 ** 3;
const sizeText = (bytes) => (bytes % GiB === 0 ? `${bytes / GiB} GiB` : `${Math.round(bytes / 1024 ** 2)} MiB`);

/** Per section: its table's title and columns, and what its chart columns show. */
export const SECTION_VIEWS = {
  pipe: {
    title: () => 'pipe echo: socket.pipe(socket), 64-byte closed-loop ping-pong (c/pingpong.c)',
    columns: pingPongColumns(NODE),
    chart: (r) => ({ column: `pipe, ${r.conns} conns`, rate: r.msgsPerSec, rateUnit: 'msgs/s', cost: r.serverUsPerMsg, costUnit: 'server µs/msg' }),
  },
  http: {
    title: () => 'node:http keep-alive: a tiny fixed response, wrk -t1 --latency',
    columns: pingPongColumns(NODE, { rate: 'req/s', unit: 'req' }),
    chart: (r) => ({ column: `node:http, ${r.conns} conns`, rate: r.msgsPerSec, rateUnit: 'req/s', cost: r.serverUsPerMsg, costUnit: 'server µs/req' }),
  },
  bulk: {
    title: (opts) => `bulk: ${sizeText(opts.bulkBytes)} through one piped connection (c/bulk.c, ${opts.bulkChunk / 1024} KiB sends)`,
    columns: bulkColumns(NODE),
    chart: (r) => ({ column: 'bulk, 1 conn', rate: r.mbPerSec, rateUnit: 'MB/s', cost: r.serverCpuSecPerGB, costUnit: 'server CPU s/GB' }),
  },
  tls: {
    title: () => 'tls echo: TLSSocket.pipe(itself), 64-byte closed-loop ping-pong (src/tls-pingpong.mjs)',
    columns: pingPongColumns(NODE),
    chart: (r) => ({ column: `tls, ${r.conns} conns`, rate: r.msgsPerSec, rateUnit: 'msgs/s', cost: r.serverUsPerMsg, costUnit: 'server µs/msg' }),
  },
};

/** Sets each row's ratios to Node's row of its section at the same connection count. */
export function addNodeRatios(rows) {
  for (const r of rows) addRatios(r, rows.find((n) => n.section === r.section && n.server === NODE && n.conns === r.conns));
}

/** The tables of the sections that ran: [{ title, header, cells }]. */
export const tables = (rows, sections, opts) => sections
  .map((s) => ({ s, mine: rows.filter((r) => r.section === s) }))
  .filter(({ mine }) => mine.length > 0)
  .map(({ s, mine }) => ({ title: SECTION_VIEWS[s].title(opts), header: SECTION_VIEWS[s].columns.header, cells: mine.map(SECTION_VIEWS[s].columns.cells) }));

export const TARGETS_TEXT = `Targets (issue 12): pipe echo ≥ 1.3× Node's msgs/s at 50 and 500 connections; node:http ≥ 1.0×
Node's req/s at 100 connections (p99 reported); bulk ≥ 1.0× Node's MB/s at no more server CPU per
GB; tls echo: the ratio is reported, with no target (tls wraps a socket without a native handle in
its JSStreamSocket: see "What the rows cost" below).`;

/**
 * Each target the rows allow to check: { section, what, value, limit, op, met, text }; tls rows
 * come as reports (met null). A target whose rows did not run is left out.
 */
export function checkTargets(rows) {
  const out = [];
  const add = (section, what, value, op, limit, extra = '') => {
    if (value == null) return;
    const met = op === '≤' ? value <= limit : value >= limit;
    out.push({ section, what, value, limit, op, met, text: `${what}: ${fmtX(value)} (target ${op} ${fmtX(limit)})${extra}` });
  };
  for (const r of rows.filter((x) => x.kind === 'ours' && x.okRuns > 0)) {
    const ref = rows.find((n) => n.section === r.section && n.server === NODE && n.conns === r.conns && n.okRuns > 0);
    if (!ref) continue;
    const at = r.conns != null ? ` at ${r.conns} conns` : '';
    if (r.section === 'pipe') add('pipe', `pipe echo, ${r.server} msgs/s ÷ node${at}`, r.vsRef, '≥', 1.3);
    if (r.section === 'http') {
      add('http', `node:http, ${r.server} req/s ÷ node${at}`, r.vsRef, '≥', 1, `; p99 ${fmtMs(r.p99Us)} ms vs node's ${fmtMs(ref.p99Us)} ms`);
    }
    if (r.section === 'bulk') {
      add('bulk', `bulk, ${r.server} MB/s ÷ node`, r.vsRef, '≥', 1);
      add('bulk', `bulk, ${r.server} server CPU per GB ÷ node`, r.cpuVsRef, '≤', 1);
    }
    if (r.section === 'tls' && r.vsRef != null) {
      out.push({ section: 'tls', what: `tls echo, ${r.server}${at}`, value: r.vsRef, met: null,
        text: `tls echo, ${r.server} msgs/s ÷ node${at}: ${fmtX(r.vsRef)}, server µs/msg ÷ node: ${fmtX(r.usVsRef)}` });
    }
  }
  return out;
}

export const targetLines = (targets) => (targets.length
  ? targets.map((t) => `- ${t.met == null ? 'reported' : t.met ? 'met' : 'NOT met'}: ${t.text}`)
  : ['No target could be checked in this run (the rows they compare did not all run).']);

/** The chart's points: two per row that has a number (its rate, and its server CPU per unit). */
export function chartPoints(rows) {
  return rows.filter((r) => r.okRuns > 0).map((r) => {
    const c = SECTION_VIEWS[r.section].chart(r);
    return {
      label: r.label, engine: r.engine, kind: r.kind,
      rateColumn: `${c.column}: ${c.rateUnit}`, rate: Number(c.rate.toFixed(2)),
      costColumn: `${c.column}: ${c.costUnit}`, cost: Number(c.cost.toFixed(3)),
    };
  });
}

/**
 * The SVG text of the chart: a column per section (and connection count), ours beside Node's,
 * the rates above (higher is better) and the server's CPU per unit below (lower is better).
 */
export async function renderStreamsChart(points, title) {
  const order = (field) => [...new Set(points.map((p) => p[field]))];
  const panel = (field, y, yTitle) => groupedBars({
    column: { field, type: 'nominal', title: null, sort: order(field) },
    y: { field: y, title: yTitle },
    x: 'label',
    sort: [...new Set(points.filter((p) => p.kind === 'ours').map((p) => p.label)), NODE],
    group: 'engine',
    groupDomain: ['io_uring', 'epoll', 'node'],
  });
  return renderBarChart(title, points, [
    panel('rateColumn', 'rate', 'rate (higher is better)'),
    panel('costColumn', 'cost', 'server CPU per unit (lower is better)'),
  ]);
}
