// Measuring on a shared machine: before each measurement wait (briefly) for the machine to be
// idle, and redo a measurement during which other processes were busy, keeping the least
// disturbed attempt; all those waits and retries are capped by one noise budget per run of a
// benchmark, so a busy machine cannot stretch it without bound.
import { waitQuiet } from './measure.mjs';

export const QUIET_BUSY = 0.2;  // CPUs busy with other work that still counts as idle
export const NOISY_OTHER = 0.15; // other CPU during a measurement that makes it suspect

/** The budget of one benchmark run: opts.quietWait, opts.retries, opts.noiseBudget. */
export function noiseBudget(opts) {
  return { opts, spentS: 0, get exhausted() { return this.spentS >= opts.noiseBudget; } };
}

/**
 * Runs `measureOnce()` (resolving a record with ok and otherCpu) after waiting for quiet, again
 * while the record is noisy and the budget and opts.retries allow; resolves the kept record, with
 * attempt, quietWaitS and a note when the machine never became idle.
 */
export async function measureQuietly(budget, measureOnce, tag) {
  const { opts } = budget;
  let rec;
  for (let attempt = 0; ; attempt++) {
    const t0 = performance.now();
    const allowWait = Math.min(opts.quietWait, Math.max(0, opts.noiseBudget - budget.spentS));
    const waited = allowWait > 0 ? await waitQuiet(allowWait, QUIET_BUSY, 400) : 0;
    const r = await measureOnce();
    r.attempt = attempt + 1;
    r.quietWaitS = waited < 0 ? null : Number(waited.toFixed(1));
    if (waited < 0) r.note = [r.note, `machine not idle after ${allowWait.toFixed(0)} s; measured anyway`].filter(Boolean).join('; ');
    budget.spentS += waited < 0 ? allowWait : Math.max(0, waited - 0.5); // one idle check (0.4 s) is free
    if (attempt > 0) budget.spentS += (performance.now() - t0) / 1000 - Math.max(0, waited);
    // of several attempts keep the least disturbed one
    if (!rec || (r.ok && (!rec.ok || (r.otherCpu ?? 0) < (rec.otherCpu ?? 0)))) rec = r;
    const noisy = rec.ok && rec.otherCpu != null && rec.otherCpu > NOISY_OTHER;
    if (!noisy || attempt >= opts.retries || budget.exhausted) return rec;
    process.stderr.write(`${tag}: other work during the measurement (${r.otherCpu.toFixed(2)} CPU), measuring again\n`);
  }
}

/** Round `run` of `defs`: every row once, the order rotated by one per round. */
export const rotated = (defs, run) => defs.map((_, i) => defs[(i + run) % defs.length]);

/** One line on stderr per record: skipped, FAILED with the reason, or `describe(rec)`. */
export function logRecord(tag, rec, describe) {
  if (rec.skipped) process.stderr.write(`${tag}: skipped (${rec.skipped})\n`);
  else if (!rec.ok) process.stderr.write(`${tag}: FAILED: ${rec.error}\n`);
  else process.stderr.write(`${tag}: ${describe(rec)}\n`);
}

/**
 * The notes under a benchmark's tables: round-trip `rows` the client limited, `extra` notes, the
 * noise budget running out, the measurements kept despite other work, and failures.
 */
export function runNotes(rows, records, budget, opts, extra = []) {
  const notes = [];
  const clientBound = rows.filter((r) => r.clientCpu != null && r.clientCpu >= 0.95);
  if (clientBound.length) {
    notes.push(`client-bound (client CPU ≥ 0.95): ${clientBound.map((r) => `${r.server} @ ${r.conns}`).join(', ')}: ` +
      'msgs/s there is the harness ceiling; compare server µs/msg.');
  }
  notes.push(...extra);
  const noisy = records.filter((r) => r.otherCpu != null && r.otherCpu > NOISY_OTHER);
  if (budget.exhausted) notes.push(`the noise budget (--noise-budget ${opts.noiseBudget} s) ran out: later measurements were not waited for or retried.`);
  if (noisy.length) {
    notes.push(`${noisy.length} of ${records.length} measurement(s) kept despite other work on the machine (other CPU > ${NOISY_OTHER}): ` +
      `${noisy.map((r) => `${r.server}${r.conns ? ` @ ${r.conns}` : ''} (${r.section})`).join(', ')}. Compare ratios, not absolutes.`);
  }
  const failed = records.filter((r) => r.error);
  if (failed.length) notes.push(`${failed.length} measurement(s) failed: see the JSON file.`);
  return notes;
}
