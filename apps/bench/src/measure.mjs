// What both benchmark runners measure and report with: CPU time from /proc, medians, and the
// formats of their tables.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/** Clock ticks per second, the unit of /proc's CPU times. */
export let clkTck = 100;
try { clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100; } catch {}

/** Whole-machine busy and steal CPU seconds so far (summed over all CPUs). */
export function machineCpu() {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return { busy: (user + nice + system + irq + softirq) / clkTck, steal: (steal || 0) / clkTck };
  } catch {
    return null;
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The median of the finite numbers in `xs`, or null if there is none. */
export const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

export const fmtX = (x) => (x == null ? '–' : `${x.toFixed(2)}×`);
export const fmtCpu = (x) => (x == null ? '–' : Math.max(0, x).toFixed(2));

/** CPUs busy (0..ncpu) over the next `ms`, or null where /proc/stat cannot be read. */
export async function idleCheck(ms = 1000) {
  const a = machineCpu();
  await sleep(ms);
  const b = machineCpu();
  if (!a || !b) return null;
  return (b.busy - a.busy) / (ms / 1000);
}

/**
 * Waits until fewer than `quietBusy` CPUs are busy, looking every `stepMs`, for at most `maxS`
 * seconds; returns the seconds waited, or -1 if the machine never was that quiet.
 */
export async function waitQuiet(maxS, quietBusy, stepMs) {
  const t0 = performance.now();
  for (;;) {
    const busy = await idleCheck(stepMs);
    const waited = (performance.now() - t0) / 1000;
    if (busy == null || busy < quietBusy) return waited;
    if (waited >= maxS) return -1;
  }
}
