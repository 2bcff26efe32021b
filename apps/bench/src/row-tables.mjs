// The table columns of the ping-pong and bulk rows, shared by `pnpm bench models` and `pnpm bench
// streams`: each row beside a reference row (Node's), whose name heads the ratio columns.
import { fmtCpu, fmtX } from './measure.mjs';
import { fmtInt, fmtMs, fmtUs } from './report.mjs';

const fmt1 = (x) => (x == null ? '–' : x.toFixed(1));
const fmt2 = (x) => (x == null ? '–' : x.toFixed(2));

/** What a row shows when no run of it succeeded. */
export const missing = (r, width) => [r.server, ...(r.conns != null ? [String(r.conns)] : []), r.skipped ? `skipped: ${r.skipped}` : 'FAILED', ...Array(width).fill('')];
export const failedRuns = (r) => (r.okRuns < r.runs ? ` (${r.runs - r.okRuns} failed)` : '');

/**
 * Round-trip rows (pingpong.mjs pingPongRow, with ratios from addRatios): `rate` names the
 * rate column (msgs/s, req/s) and `unit` what one round trip is (msg, req).
 */
export function pingPongColumns(ref, { rate = 'msgs/s', unit = 'msg' } = {}) {
  const header = ['server', 'conns', rate, 'p50 ms', 'p99 ms', `× ${ref}`, 'server CPU', `server µs/${unit}`, `µs/${unit} × ${ref}`, 'of it user', 'client CPU', 'other CPU'];
  const cells = (r) => (r.okRuns === 0 ? missing(r, header.length - 3) : [r.server, String(r.conns),
    fmtInt(r.msgsPerSec) + failedRuns(r), fmtMs(r.p50Us), fmtMs(r.p99Us), fmtX(r.vsRef), fmtCpu(r.serverCpu),
    fmtUs(r.serverUsPerMsg), fmtX(r.usVsRef), fmtUs(r.serverUserUsPerMsg), fmtCpu(r.clientCpu), fmtCpu(r.otherCpu)]);
  return { header, cells };
}

/** Bulk rows (bulk.mjs bulkRow, with ratios from addRatios). */
export function bulkColumns(ref) {
  const header = ['server', 'MB/s', `× ${ref}`, 'seconds', 'server CPU', 'server CPU s/GB', `CPU/GB × ${ref}`, 'client CPU', 'other CPU'];
  const cells = (r) => (r.okRuns === 0 ? missing(r, header.length - 2) : [r.server, fmt1(r.mbPerSec) + failedRuns(r),
    fmtX(r.vsRef), fmt2(r.seconds), fmtCpu(r.serverCpu), fmt2(r.serverCpuSecPerGB), fmtX(r.cpuVsRef), fmtCpu(r.clientCpu), fmtCpu(r.otherCpu)]);
  return { header, cells };
}

const ratio = (a, b) => (a != null && b ? a / b : null);

/**
 * Sets a row's ratios to its reference row `ref` (null where either figure is missing): vsRef
 * (rate: msgs/s or MB/s), usVsRef (server µs per round trip), cpuVsRef (server CPU per GB).
 */
export function addRatios(r, ref) {
  if (r.mbPerSec !== undefined) {
    r.vsRef = ratio(r.mbPerSec, ref?.mbPerSec);
    r.cpuVsRef = ratio(r.serverCpuSecPerGB, ref?.serverCpuSecPerGB);
  } else {
    r.vsRef = ratio(r.msgsPerSec, ref?.msgsPerSec);
    r.usVsRef = ratio(r.serverUsPerMsg, ref?.serverUsPerMsg);
  }
}
