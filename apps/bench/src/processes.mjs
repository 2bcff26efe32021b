// Starting, pinning, sampling and stopping the processes a benchmark measures: servers that print
// `LISTENING <port>`, and clients that print `MEASURE_START`/`MEASURE_END` around their measured
// window and then one JSON line (c/pingpong.c, c/bulk.c).
import { spawn, execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import fs from 'node:fs';
import path from 'node:path';
import { clkTck, machineCpu, sleep } from './measure.mjs';
import { BUILD_DIR, C_DIR, REPO_ROOT } from './paths.mjs';

const LISTEN_TIMEOUT_MS = 10_000;
const KILL_AFTER_MS = 2_000;

/** Compiles the C programs `names` (c/<name>.c) into .build/ when missing or older than their source. */
export function ensureBuilt(names) {
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  const cc = process.env.CC || 'cc';
  for (const name of names) {
    const src = path.join(C_DIR, `${name}.c`);
    const bin = path.join(BUILD_DIR, name);
    const stale = !fs.existsSync(bin) || fs.statSync(bin).mtimeMs < fs.statSync(src).mtimeMs;
    if (!stale) continue;
    process.stderr.write(`compiling ${path.relative(REPO_ROOT, src)}\n`);
    execFileSync(cc, ['-O2', '-Wall', '-o', bin, src], { stdio: 'inherit' });
  }
  return Object.fromEntries(names.map((n) => [n, path.join(BUILD_DIR, n)]));
}

/** utime and stime of one process (all its threads), in seconds, or null once it is gone. */
function ownCpu(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' '); // rest[0] is field 3 (state)
    return { user: Number(rest[11]) / clkTck, system: Number(rest[12]) / clkTck }; // utime, stime
  } catch {
    return null;
  }
}

/** The live children of a process (of all its threads). */
function childrenOf(pid) {
  let tids = [];
  try { tids = fs.readdirSync(`/proc/${pid}/task`); } catch { return []; }
  const kids = [];
  for (const tid of tids) {
    try {
      kids.push(...fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
    } catch {}
  }
  return kids;
}

/**
 * CPU seconds used so far, in user mode and in the kernel, by a process and its live descendants
 * (a cluster's workers), or null if the process is gone. `taskset` execs the server, so the pid
 * the runner spawned is the server's own.
 */
export function processCpu(pid) {
  const own = ownCpu(pid);
  if (!own) return null;
  for (const kid of childrenOf(pid)) {
    const k = processCpu(kid);
    if (k) { own.user += k.user; own.system += k.system; }
  }
  return own;
}

/** Resident memory of one process in bytes (VmRSS), or null. */
export function processRss(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Open file descriptors of a process (its sockets among them), or null. */
export function processFds(pid) {
  try { return fs.readdirSync(`/proc/${pid}/fd`).length; } catch { return null; }
}

/** [command, args] run on `cpu` through taskset when `pin`. */
export function pinned(cpu, command, args, pin) {
  return pin ? ['taskset', ['-c', String(cpu), command, ...args]] : [command, args];
}

/**
 * Starts a server `{ command, args, env }` on opts.serverCpu; `state.port` resolves with the port
 * of its `LISTENING <port>` line and rejects if it exits first or says nothing for 10 s.
 */
export function startServer(def, opts) {
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
  state.port = new Promise((resolve, reject) => {
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
  return state;
}

/** SIGTERM, then SIGKILL after 2 s (`state.killed`); resolves with how the server exited. */
export async function stopServer(state) {
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

/**
 * Runs a measuring client (`args` after the program) on opts.clientCpu, killed after `limitMs`;
 * samples the server's CPU and the machine's at its MEASURE_START and MEASURE_END lines.
 * Resolves `{ code, signal, json, stderr, marks }`.
 */
export function runClient(program, args, opts, serverPid, limitMs) {
  const [cmd, argv] = pinned(opts.clientCpu, program, args, opts.pin);
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let json = null;
    const marks = {};
    child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'MEASURE_START' || line === 'MEASURE_END') {
        // the client's own CPU too, for clients that do not report it (wrk)
        marks[line] = { t: performance.now(), server: processCpu(serverPid), client: processCpu(child.pid), machine: machineCpu() };
      } else if (line.startsWith('{')) {
        try { json = JSON.parse(line); } catch { stderr += `\nunparsable client output: ${line}`; }
      }
    });
    const timer = setTimeout(() => { stderr += `\nclient killed after ${limitMs} ms`; child.kill('SIGKILL'); }, limitMs);
    child.on('error', (err) => { clearTimeout(timer); resolve({ code: null, json, stderr: `${stderr}\n${err.message}`, marks }); });
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, json, stderr, marks }); });
  });
}

/**
 * The server's CPU over the client's measured window, into `rec`: serverCpu and serverUserCpu
 * (CPUs, 1.00 = one core), serverCpuSeconds, wallSeconds, and the machine's steal and other CPU
 * (busy time used by neither the server nor the client: noise). `clientCpu` is the client's own
 * figure; without one (wrk), the client's CPU sampled at the marks, also set as rec.clientCpu.
 */
export function windowCpu(rec, marks, clientCpu) {
  const s = marks.MEASURE_START, e = marks.MEASURE_END;
  if (!(s && e && s.server != null && e.server != null)) return;
  const wall = (e.t - s.t) / 1000;
  if (clientCpu == null && s.client && e.client) {
    clientCpu = (e.client.user + e.client.system - s.client.user - s.client.system) / wall;
    rec.clientCpu = clientCpu;
  }
  const user = e.server.user - s.server.user;
  const total = user + e.server.system - s.server.system;
  rec.wallSeconds = wall;
  rec.serverCpuSeconds = total;
  rec.serverUserCpu = user / wall;
  rec.serverCpu = total / wall;
  if (s.machine && e.machine) {
    rec.stealCpu = (e.machine.steal - s.machine.steal) / wall;
    rec.otherCpu = (e.machine.busy - s.machine.busy) / wall - rec.serverCpu - (clientCpu ?? 0);
  }
}

/**
 * Starts the server, runs `body(server, port)` (which fills and returns part of the record), and
 * stops the server; a server that died meanwhile or never listened makes the record an error.
 */
export async function withServer(def, opts, body) {
  const server = startServer(def, opts);
  const rec = {};
  try {
    const port = await server.port;
    Object.assign(rec, await body(server, port));
    if (server.exited) {
      rec.ok = false;
      rec.error = `server died during the run (code ${server.exited.code}, signal ${server.exited.signal}): ${server.stderr.trim()}`;
    }
  } catch (err) {
    rec.ok = false;
    rec.error = `${err.message}${server.stderr ? `: ${server.stderr.trim()}` : ''}`;
  } finally {
    await stopServer(server);
    if (server.killed) rec.note = 'server ignored SIGTERM (SIGKILLed)';
  }
  return rec;
}
