// The tables and the targets of `pnpm bench models`, in text and in markdown.
import { fmtX } from './measure.mjs';
import { NODE_NET, driverRow, rawRow, rxRow } from './model-servers.mjs';
import { markdownTable, textTable } from './report.mjs';
import { addRatios, bulkColumns, failedRuns, missing, pingPongColumns } from './row-tables.mjs';

const MB = 1024 * 1024;
const fmtMiB = (b) => (b == null ? '–' : (b / MB).toFixed(1));
const fmtKiB = (b) => (b == null ? '–' : (b / 1024).toFixed(2));

const PINGPONG = pingPongColumns(NODE_NET);
const BULK = bulkColumns(NODE_NET);

const IDLE = ['server', 'connections', 'RSS before MiB', 'RSS after MiB', 'KiB per connection', '× node-net'];
const idleCells = (r) => (r.okRuns === 0 ? missing(r, IDLE.length - 3) : [r.server, String(r.conns),
  fmtMiB(r.rssBefore), fmtMiB(r.rssAfter), fmtKiB(r.bytesPerConn) + failedRuns(r), fmtX(r.vsRef)]);

/** The tables of the sections that ran: [{ title, header, cells }]. */
export function tables({ pingpong, bulk, idle }) {
  return [
    pingpong.length && { title: 'Ping-pong (64-byte closed loop)', header: PINGPONG.header, cells: pingpong.map(PINGPONG.cells) },
    bulk.length && { title: 'Bulk echo (one connection)', header: BULK.header, cells: bulk.map(BULK.cells) },
    idle.length && { title: 'Idle connections', header: IDLE, cells: idle.map(idleCells) },
  ].filter(Boolean);
}

export const textTables = (t) => t.map((x) => `${x.title}\n\n${textTable(x.header, x.cells)}`).join('\n\n');
export const markdownTables = (t) => t.map((x) => `## ${x.title}\n\n${markdownTable(x.header, x.cells)}`).join('\n\n');

export const TARGETS_TEXT = `Targets (issue 11): the iocp driver's server µs/msg within 10% of the raw completion-port server's
(wsm-iocp, same engine) at 50 and 500 connections, and its msgs/s above Node net's there; server
µs/msg ≤ 0.72× Node net's at 50 and 500 connections on io_uring (the iocp driver and wsm-iocp); no
driver slower than Node net at 50 connections unless its model caps it (apps/bench/README.md says
which and why); bulk MB/s ≥ Node net's at no more server CPU per GB; idle server RSS per connection
of the iocp driver ≤ Node net's. Target (issue 13): the echo server on @wsm/rx's fromIocp (rx
fromIocp) within 10% of the raw server's (wsm-iocp, same engine) msgs/s at 50 and 500 connections.`;

/**
 * Each target the rows allow to check: { what, value, limit, met }. A target whose rows did not
 * run (--only, --conns, --sections, a failure) is left out, and the report says so.
 */
export function checkTargets({ pingpong, bulk, idle }) {
  const out = [];
  const pp = (name, conns) => pingpong.find((r) => r.server === name && r.conns === conns && r.okRuns > 0);
  const add = (what, value, op, limit, show = fmtX) => {
    if (value == null || limit == null) return;
    out.push({ what, value, limit, op, met: op === '≤' ? value <= limit : value >= limit, text: `${what}: ${show(value)} (target ${op} ${show(limit)})` });
  };
  const engines = [...new Set(pingpong.map((r) => r.engine).filter((e) => e !== 'node'))];
  for (const conns of [50, 500]) {
    const node = pp(NODE_NET, conns);
    for (const engine of engines) {
      const drv = pp(driverRow('iocp', engine), conns);
      const raw = pp(rawRow(engine), conns);
      if (drv && raw) add(`iocp driver (${engine}) µs/msg ÷ wsm-iocp (${engine}) at ${conns} conns`, drv.serverUsPerMsg / raw.serverUsPerMsg, '≤', 1.1);
      if (drv && node) add(`iocp driver (${engine}) msgs/s ÷ node-net at ${conns} conns`, drv.msgsPerSec / node.msgsPerSec, '≥', 1);
      const rx = pp(rxRow(engine), conns);
      if (rx && raw) add(`rx fromIocp (${engine}) msgs/s ÷ wsm-iocp (${engine}) at ${conns} conns`, rx.msgsPerSec / raw.msgsPerSec, '≥', 0.9);
    }
    for (const name of [driverRow('iocp', 'io_uring'), rawRow('io_uring')]) {
      const r = pp(name, conns);
      if (r && node) add(`${name} µs/msg ÷ node-net at ${conns} conns`, r.serverUsPerMsg / node.serverUsPerMsg, '≤', 0.72);
    }
  }
  const node50 = pp(NODE_NET, 50);
  // (the iocp driver's row at 50 is checked against Node net above)
  for (const r of pingpong.filter((r) => r.kind === 'driver' && r.model !== 'iocp' && r.conns === 50 && r.okRuns > 0)) {
    if (node50) add(`${r.server} msgs/s ÷ node-net at 50 conns`, r.msgsPerSec / node50.msgsPerSec, '≥', 1);
  }
  const nodeBulk = bulk.find((r) => r.server === NODE_NET && r.okRuns > 0);
  for (const r of bulk.filter((r) => r.kind === 'driver' && r.okRuns > 0)) {
    if (!nodeBulk) break;
    add(`${r.server} bulk MB/s ÷ node-net`, r.mbPerSec / nodeBulk.mbPerSec, '≥', 1);
    add(`${r.server} bulk server CPU per GB ÷ node-net`, r.serverCpuSecPerGB / nodeBulk.serverCpuSecPerGB, '≤', 1);
  }
  const nodeIdle = idle.find((r) => r.server === NODE_NET && r.okRuns > 0);
  for (const r of idle.filter((r) => r.kind === 'driver' && r.model === 'iocp' && r.okRuns > 0)) {
    if (nodeIdle) add(`${r.server} idle RSS per connection ÷ node-net`, r.bytesPerConn / nodeIdle.bytesPerConn, '≤', 1);
  }
  return out;
}

export const targetLines = (targets) => (targets.length
  ? targets.map((t) => `- ${t.met ? 'met' : 'NOT met'}: ${t.text}`)
  : ['No target could be checked in this run (the rows they compare did not all run).']);

/** Sets the ratio columns of each section's rows against Node net's row (same connection count). */
export function addNodeNetRatios({ pingpong, bulk, idle }) {
  for (const r of pingpong) addRatios(r, pingpong.find((n) => n.server === NODE_NET && n.conns === r.conns));
  const nodeBulk = bulk.find((n) => n.server === NODE_NET);
  for (const r of bulk) addRatios(r, nodeBulk);
  const nodeIdle = idle.find((n) => n.server === NODE_NET);
  for (const r of idle) r.vsRef = r.bytesPerConn != null && nodeIdle?.bytesPerConn ? r.bytesPerConn / nodeIdle.bytesPerConn : null;
}
