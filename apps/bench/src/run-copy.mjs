// `pnpm bench copy`: file copies, ours against cp, fs.copyFile, fs.cp, fs-extra and cpy.
//
// Three sections (copy-tools.mjs lists their tools and the issue's targets):
//   big        a 1 GiB file, source warm in the page cache, new destination each time
//   unbuffered the same file copied unbuffered and buffered: page-cache growth and system CPU,
//              source cold for both (caches dropped before each copy) unless --unbuffered-source warm
//   tree       10,000 files of 1-64 KiB in 100 directories, source warm, new destination each time
// Every copy runs in a child process of its own (copy-worker.mjs for the Node copiers, a bash
// wrapper for coreutils cp), so that no copier inherits another's heap, JIT or threads. Within a
// section each round runs every tool once, the order rotating from round to round; between copies
// the destination is deleted and `sync` run (neither timed). The tables show medians over rounds.
//
// See ../README.md for how to read the output.
import { spawn, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError, eachFlag, numberFlag, parseOrExplain } from './args.mjs';
import { fmtCpu, fmtX, idleCheck, machineCpu, median, sleep, waitQuiet } from './measure.mjs';
import { fileURLToPath } from 'node:url';
import { BENCH_DIR, REPO_ROOT, RESULTS_DIR } from './paths.mjs';
import { SECTIONS, TARGETS } from './copy-tools.mjs';
import { makeBigFile, makeTree, walkTree, warmFile, warmTree, residentBytes, meminfo } from './copy-fixtures.mjs';

const WORKER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'copy-worker.mjs');
const SECTION_ORDER = ['big', 'unbuffered', 'tree'];
// the cold section drops the page cache, so it runs last; the tables keep SECTION_ORDER
const RUN_ORDER = ['big', 'tree', 'unbuffered'];

const USAGE = `usage: pnpm bench copy [options]

  --runs N                rounds per section; the tables show medians   (default 5)
  --sections LIST         any of big,unbuffered,tree                     (default all)
  --tools LIST            only these tools (names as in the tables, comma-separated)
  --size BYTES            size of the big file; K, M, G suffixes (binary) (default 1G)
  --files N               files in the tree                              (default 10000)
  --dirs N                directories in the tree                        (default 100)
  --unbuffered-source S   cold (drop the page cache before each copy; needs root)
                          or warm (read the source first)               (default cold)
  --tree-dest D           keep: every tree copy goes to a directory of its own (the last
                          one's files truncated to 0 first), all deleted (rm -rf) after
                          the section; rm: delete the last copy
                          before the next one (on ext4 without a journal, inodes freed
                          in the last 60-360 s are skipped when new ones are allocated,
                          so that slows every copy after it; for the same reason, wait
                          6 minutes between two runs)                (default keep)
  --workdir DIR           where the work directory is made; it should be on the file
                          system you mean to measure, not tmpfs       (default /var/tmp)
  --keep                  keep the work directory (printed) instead of deleting it
  --no-warmup             skip the discarded warm-up copy at the start of each section
  --no-verify             skip checking the copies (sizes every run; full compare in round 1)
  --quiet-wait S          before each copy, wait up to S seconds for the machine to be idle
                          (other work < 0.25 CPU)                       (default 3)
  --noise-budget S        at most S seconds in all spent on those waits (default 45)
  --no-write              print the tables only; write nothing to bench/results/
  -h, --help              this text
`;

const CHILD_TIMEOUT_MS = 180_000;
const QUIET_BUSY = 0.25;
const NOISY_OTHER = 0.3;


// ---------------------------------------------------------------- options

function parseSize(flag, v) {
  const m = /^(\d+(?:\.\d+)?)([kmgKMG]?)(i?[bB])?$/.exec(String(v ?? ''));
  if (!m) throw new UsageError(`${flag}: expected a size such as 1G or 268435456, got ${v}`);
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase()];
  const n = Math.round(Number(m[1]) * mult);
  if (n < 4096) throw new UsageError(`${flag}: at least 4096 bytes`);
  return n;
}

function parseArgs(argv) {
  const o = {
    runs: 5,
    sections: [...SECTION_ORDER],
    tools: null,
    size: 1024 ** 3,
    files: 10_000,
    dirs: 100,
    unbufferedSource: 'cold',
    treeDest: 'keep',
    workdir: '/var/tmp',
    keep: false,
    warmup: true,
    verify: true,
    quietWait: 3,
    noiseBudget: 45,
    write: true,
  };
  const num = numberFlag;
  eachFlag(argv, (flag, value, a) => {
    switch (flag) {
      case '--runs': o.runs = num(flag, value(), { int: true, min: 1 }); break;
      case '--sections': {
        o.sections = String(value() ?? '').split(',').map((s) => s.trim()).filter(Boolean);
        const bad = o.sections.filter((s) => !SECTION_ORDER.includes(s));
        if (bad.length || o.sections.length === 0) throw new UsageError(`--sections: expected some of ${SECTION_ORDER.join(',')}, got ${bad.join(',') || 'nothing'}`);
        break;
      }
      case '--tools': o.tools = String(value() ?? '').split(',').map((s) => s.trim()).filter(Boolean); break;
      case '--size': o.size = parseSize(flag, value()); break;
      case '--files': o.files = num(flag, value(), { int: true, min: 1 }); break;
      case '--dirs': o.dirs = num(flag, value(), { int: true, min: 1 }); break;
      case '--unbuffered-source': {
        o.unbufferedSource = value();
        if (!['cold', 'warm'].includes(o.unbufferedSource)) throw new UsageError(`--unbuffered-source: cold or warm, got ${o.unbufferedSource}`);
        break;
      }
      case '--tree-dest': {
        o.treeDest = value();
        if (!['keep', 'rm'].includes(o.treeDest)) throw new UsageError(`--tree-dest: keep or rm, got ${o.treeDest}`);
        break;
      }
      case '--workdir': o.workdir = value(); break;
      case '--keep': o.keep = true; break;
      case '--no-warmup': o.warmup = false; break;
      case '--no-verify': o.verify = false; break;
      case '--quiet-wait': o.quietWait = num(flag, value()); break;
      case '--noise-budget': o.noiseBudget = num(flag, value()); break;
      case '--no-write': o.write = false; break;
      case '-h': case '--help': o.help = true; break;
      default: throw new UsageError(`unknown option ${a}`);
    }
  });
  return o;
}

// ---------------------------------------------------------------- machine state

const loadavg = () => os.loadavg().map((x) => Number(x.toFixed(2)));

function syncAll() { spawnSync('sync', { stdio: 'ignore' }); }

/** `sync; echo 1 > /proc/sys/vm/drop_caches` (the clean page cache); false if not allowed. */
function dropCaches() {
  syncAll();
  try {
    fs.writeFileSync('/proc/sys/vm/drop_caches', '1');
    return true;
  } catch {
    return false;
  }
}

/**
 * Touches `bytes` of anonymous memory in a child process that then exits, so that the next
 * allocations reuse pages the host has backed (see prepare() in runSection).
 */
function touchMemory(bytes) {
  const chunk = 256 << 20;
  spawnSync(process.execPath, ['-e', `const a = []; for (let n = ${bytes}; n > 0; n -= ${chunk}) a.push(Buffer.alloc(Math.min(n, ${chunk}), 1));`], { stdio: 'ignore' });
}

/** Truncates every file under `dir` to 0 bytes: frees their page cache and blocks, keeps the inodes. */
function truncateTree(dir) {
  const r = spawnSync('find', [dir, '-type', 'f', '-exec', 'truncate', '-s', '0', '{}', '+'], { stdio: 'ignore' });
  if (r.status !== 0) for (const f of walkTree(dir, { list: true }).list) fs.truncateSync(f, 0);
}

function rmrf(p) {
  // rm -rf is a little faster than fs.rmSync on 10,000 files and behaves the same
  const r = spawnSync('rm', ['-rf', '--', p], { stdio: 'ignore' });
  if (r.status !== 0) fs.rmSync(p, { recursive: true, force: true });
}

const FS_TYPES = { 0xef53: 'ext2/3/4', 0x01021994: 'tmpfs', 0x9123683e: 'btrfs', 0x58465342: 'xfs', 0x794c7630: 'overlayfs', 0x65735546: 'fuse' };

function fsType(dir) {
  try {
    const t = fs.statfsSync(dir).type;
    return FS_TYPES[t] ?? `0x${t.toString(16)}`;
  } catch {
    return 'unknown';
  }
}

function pkgVersion(name) {
  try { return JSON.parse(fs.readFileSync(path.join(BENCH_DIR, 'node_modules', name, 'package.json'), 'utf8')).version; } catch { return null; }
}

function machine(workBase) {
  const cpuinfo = (() => { try { return fs.readFileSync('/proc/cpuinfo', 'utf8'); } catch { return ''; } })();
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const run = (cmd, args) => { try { return execFileSync(cmd, args, { encoding: 'utf8' }).split('\n')[0].trim(); } catch { return 'unknown'; } };
  let mountOpts = 'unknown';
  try {
    // the mount that holds workBase: the longest mount point that is a prefix of it
    const real = fs.realpathSync(workBase);
    const mounts = fs.readFileSync('/proc/mounts', 'utf8').trim().split('\n').map((l) => l.split(' '));
    const best = mounts.filter((m) => real === m[1] || real.startsWith(m[1].endsWith('/') ? m[1] : `${m[1]}/`)).sort((a, b) => b[1].length - a[1].length)[0];
    if (best) {
      mountOpts = `${best[0]} on ${best[1]} type ${best[2]} (${best[3]})`;
      if (best[2] === 'ext4') {
        // a journaled ext4 has /proc/fs/jbd2/<dev>-8
        const dev = path.basename(best[0]);
        let jbd = [];
        try { jbd = fs.readdirSync('/proc/fs/jbd2'); } catch {}
        mountOpts += jbd.some((j) => j.startsWith(`${dev}-`)) ? ', with a journal' : ', no journal';
      }
    }
  } catch {}
  return {
    kernel: run('uname', ['-r']),
    node: process.version,
    cpuModel: model,
    cpus: os.cpus().length,
    memGiB: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
    fileSystem: fsType(workBase),
    mount: mountOpts,
    coreutilsCp: run('cp', ['--version']),
    fsExtra: pkgVersion('fs-extra'),
    cpy: pkgVersion('cpy'),
  };
}

// ---------------------------------------------------------------- one copy

// coreutils runs under bash so that the copy alone is timed ($EPOCHREALTIME) and its CPU read
// (`times`: the shell's own, then its children's), with Cached/Dirty read by builtins around it.
const WRAP = `
mem() { while read -r k v u; do case $k in Cached:) C=$v;; Dirty:) D=$v;; esac; done < /proc/meminfo; }
mem; c0=$C; d0=$D
t0=$EPOCHREALTIME
"$@"; rc=$?
t1=$EPOCHREALTIME
mem
echo "RESULT $rc $t0 $t1 $c0 $d0 $C $D"
times
exit $rc`;

function parseTimes(text) {
  const lines = [...text.matchAll(/^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/gm)].map((m) => [Number(m[1]) * 60 + Number(m[2]), Number(m[3]) * 60 + Number(m[4])]);
  return lines.length >= 2 ? { self: lines[0], children: lines[1] } : null;
}

/** Runs one tool once in a child; resolves the worker's result (or { ok: false, error }). */
function runChild(tool, src, dest) {
  const [cmd, args] = tool.argv
    ? ['bash', ['-c', WRAP, 'bench-copy', ...tool.argv(src, dest)]]
    : [process.execPath, [WORKER, JSON.stringify({ op: tool.op, src, dest, options: tool.options })]];
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: BENCH_DIR, env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
    const timer = setTimeout(() => { stderr += `\nkilled after ${CHILD_TIMEOUT_MS} ms`; child.kill('SIGKILL'); }, CHILD_TIMEOUT_MS);
    child.on('error', (err) => { clearTimeout(timer); resolve({ ok: false, error: err.message }); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = /^RESULT (.*)$/m.exec(stdout)?.[1];
      let r;
      if (!line) {
        r = { ok: false, noResult: true, error: `no result (exit ${code ?? signal}): ${stderr.trim()}` };
      } else if (tool.argv) {
        const [rc, t0, t1, c0, d0, c1, d1] = line.trim().split(/\s+/).map(Number);
        const times = parseTimes(stdout);
        r = {
          ok: rc === 0,
          ms: (t1 - t0) * 1000,
          utimeMs: times ? times.children[0] * 1000 : null,
          stimeMs: times ? times.children[1] * 1000 : null,
          utimeTotalMs: times ? (times.self[0] + times.children[0]) * 1000 : null,
          stimeTotalMs: times ? (times.self[1] + times.children[1]) * 1000 : null,
          cachedBefore: c0 * 1024, cachedAfter: c1 * 1024, dirtyBefore: d0 * 1024, dirtyAfter: d1 * 1024,
        };
        if (rc !== 0) r.error = `${tool.argv(src, dest)[0]} exited ${rc}: ${stderr.trim()}`;
      } else {
        try { r = JSON.parse(line); } catch { r = { ok: false, error: `unparsable result: ${line}` }; }
        if (!r.ok && stderr.trim()) r.error = `${r.error}; stderr: ${stderr.trim().slice(-1000)}`;
      }
      resolve(r);
    });
  });
}

// ---------------------------------------------------------------- sections

function sectionTools(name, opts, fsIocp) {
  return SECTIONS[name].tools
    .filter((t) => !opts.tools || opts.tools.includes(t.name))
    .map((t) => ({ ...t, skip: t.needs && !fsIocp[t.needs] ? `@wsm/fs-iocp does not export ${t.needs} (yet)` : null }));
}

async function runSection(name, ctx) {
  const { opts, work, fixtures, records, state, log } = ctx;
  const section = SECTIONS[name];
  const tools = sectionTools(name, opts, ctx.fsIocp);
  const runnable = tools.filter((t) => !t.skip);
  for (const t of tools.filter((t) => t.skip)) records.push({ section: name, tool: t.name, ok: false, skipped: t.skip });
  if (runnable.length === 0) return;

  const cold = name === 'unbuffered' && opts.unbufferedSource === 'cold';
  const src = section.kind === 'file' ? fixtures.bigFile : fixtures.treeDir;
  let dest = path.join(work, `dest-${name}`);
  const t0 = performance.now();
  // trees: each copy into a directory of its own, all deleted after the section (see --tree-dest)
  let keep = section.kind === 'tree' && opts.treeDest === 'keep';
  if (keep) {
    // each copy's files are truncated before the next, so about two copies' worth at a time
    const need = 3 * fixtures.tree.bytes + 2 ** 30;
    let avail = Infinity;
    try { const st = fs.statfsSync(work); avail = st.bavail * st.bsize; } catch {}
    if (avail < need) {
      keep = false;
      ctx.notes.push(`tree: not enough space to keep every copy (${fmtMiB(need)} MiB needed, ${fmtMiB(avail)} MiB free): each destination was deleted before the next copy instead (--tree-dest rm), which slows inode allocation on ext4 without a journal`);
    }
  }
  const kept = [];

  const warm = () => (section.kind === 'file' ? warmFile(src) : warmTree(src));
  // The destination of the previous copy stays until just before the next one, and is deleted
  // then, so that every copy reuses the pages the last one freed: this VM reports free memory
  // back to the host (virtio-balloon free page reporting, ~2 s after it is freed), and a page the
  // host has taken back costs a fault on first touch (see the README: "Memory").
  const prepare = (rec) => {
    // an unbuffered copy frees no page cache for the next copy to reuse: touch (and free)
    // enough memory for a buffered copy of a cold source (source + destination) first, so that
    // it and the caches dropped next are the last memory freed before the copy starts
    if (cold) touchMemory(2 * fixtures.bigSize + (256 << 20));
    const g0 = performance.now();
    if (keep) {
      // empty the last copy's files (their pages are freed for this copy to reuse, as with the
      // 1 GiB file) but keep their inodes, so that this copy allocates no recently freed inode
      if (kept.length) truncateTree(kept[kept.length - 1]);
      dest = path.join(work, `dest-${name}-${kept.length}`);
      kept.push(dest);
    } else {
      rmrf(dest);
    }
    syncAll();
    if (cold) {
      if (!dropCaches()) throw new Error('cannot write /proc/sys/vm/drop_caches (needs root): use --unbuffered-source warm');
      if (rec && section.kind === 'file') rec.srcResident = residentBytes(src);
    }
    if (rec) rec.gapMs = Number((performance.now() - g0).toFixed(1));
  };

  if (opts.warmup) {
    // one discarded copy: loads cp and node from disk, and leaves a destination to reuse
    if (!cold) warm();
    prepare(null);
    const w = runnable.find((t) => t.argv) ?? runnable[0];
    const r = await runChild(w, src, dest);
    log(`[${name}] warm-up copy (${w.name}, discarded): ${r.ok ? `${r.ms.toFixed(0)} ms` : `FAILED: ${r.error}`}`);
  }

  for (let run = 0; run < opts.runs; run++) {
    if (!cold) warm(); // a no-op read if it is still cached; guards against eviction
    const order = runnable.map((_, i) => runnable[(i + run) % runnable.length]);
    for (const tool of order) {
      const rec = { section: name, tool: tool.name, run: run + 1, ok: false };
      try {
        if (section.kind === 'file' && !cold) rec.srcResident = residentBytes(src);
        const allowWait = Math.min(opts.quietWait, Math.max(0, opts.noiseBudget - state.waitedS));
        const waited = allowWait > 0 ? await waitQuiet(allowWait, QUIET_BUSY, 250) : 0;
        state.waitedS += waited < 0 ? allowWait : waited;
        if (waited < 0) rec.note = `machine not idle after ${allowWait.toFixed(1)} s; measured anyway`;
        rec.quietWaitS = waited < 0 ? null : Number(waited.toFixed(2));
        prepare(rec);

        let m0 = machineCpu();
        let w0 = performance.now();
        let r = await runChild(tool, src, dest);
        if (r.noResult) {
          // the child died before reporting (e.g. the native addon being rebuilt by other work on
          // this shared tree): once more after a pause, keeping the first error
          rec.firstError = r.error;
          log(`[${name} ${run + 1}/${opts.runs}] ${tool.name}: no result (${r.error.slice(0, 160)}); trying once more`);
          await sleep(3000);
          prepare(rec);
          m0 = machineCpu();
          w0 = performance.now();
          r = await runChild(tool, src, dest);
        }
        const wall = (performance.now() - w0) / 1000;
        const m1 = machineCpu();
        Object.assign(rec, r);
        if (m0 && m1 && r.utimeTotalMs != null) {
          rec.otherCpu = (m1.busy - m0.busy - (r.utimeTotalMs + r.stimeTotalMs) / 1000) / wall;
          rec.stealCpu = (m1.steal - m0.steal) / wall;
        }
        if (r.ok && name === 'unbuffered') {
          // a cross-check of Cached that other processes cannot disturb: what of these two files
          // is in the page cache now (the source was cold, so all of it came from this copy)
          const d = residentBytes(dest), s = residentBytes(src);
          rec.filesResidentAfter = d != null && s != null ? d + s : null;
          // what the buffered copy left to write: the time `sync` then takes (not in `ms`)
          const s0 = performance.now();
          syncAll();
          rec.syncAfterMs = performance.now() - s0;
        }
        if (r.ok && opts.verify) {
          const bad = verify(section.kind, src, dest, fixtures, run === 0);
          if (bad) { rec.ok = false; rec.error = `wrong copy: ${bad}`; }
        }
      } catch (err) {
        rec.ok = false;
        rec.error = err.message;
      }
      records.push(rec);
      const tag = `[${name} ${run + 1}/${opts.runs}] ${tool.name}`;
      if (!rec.ok) log(`${tag}: FAILED: ${rec.error}`);
      else {
        const growth = rec.cachedAfter - rec.cachedBefore;
        log(`${tag}: ${rec.ms.toFixed(0)} ms, sys ${fmtMs(rec.stimeMs)} ms, Cached ${growth >= 0 ? '+' : ''}${fmtMiB(growth)} MiB` +
          `${rec.srcResident != null ? `, source ${(100 * rec.srcResident / fixtures.bigSize).toFixed(0)}% cached` : ''}` +
          `${rec.syncAfterMs != null ? `, sync after ${rec.syncAfterMs.toFixed(0)} ms` : ''}` +
          `${rec.otherCpu != null && rec.otherCpu > NOISY_OTHER ? `, other CPU ${rec.otherCpu.toFixed(2)} (noisy)` : ''}`);
      }
    }
  }
  for (const d of keep ? kept : [dest]) rmrf(d);
  syncAll();
  state.sectionSeconds[name] = (performance.now() - t0) / 1000;
}

/** null if dest is a faithful copy of src; else what is wrong. `full` compares every byte. */
function verify(kind, src, dest, fixtures, full) {
  if (kind === 'file') {
    let st;
    try { st = fs.statSync(dest); } catch { return 'destination missing'; }
    if (st.size !== fixtures.bigSize) return `size ${st.size}, expected ${fixtures.bigSize}`;
    if (full && spawnSync('cmp', ['-s', src, dest]).status !== 0) return 'contents differ (cmp)';
    return null;
  }
  let t;
  try { t = walkTree(dest); } catch { return 'destination missing'; }
  if (t.files !== fixtures.tree.files || t.bytes !== fixtures.tree.bytes) {
    return `${t.files} files / ${t.bytes} bytes, expected ${fixtures.tree.files} / ${fixtures.tree.bytes}`;
  }
  if (full && spawnSync('diff', ['-rq', src, dest], { stdio: 'ignore' }).status !== 0) return 'contents differ (diff -r)';
  return null;
}

// ---------------------------------------------------------------- report

const max = (xs) => { const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)); return v.length ? Math.max(...v) : null; };
const min = (xs) => { const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)); return v.length ? Math.min(...v) : null; };

function summarize(records, opts, fixtures, fsIocp) {
  const sections = {};
  for (const name of SECTION_ORDER.filter((s) => opts.sections.includes(s))) {
    const tools = sectionTools(name, opts, fsIocp);
    const rows = tools.map((t) => {
      const mine = records.filter((r) => r.section === name && r.tool === t.name);
      const ok = mine.filter((r) => r.ok);
      const growth = ok.map((r) => r.cachedAfter - r.cachedBefore);
      return {
        tool: t.name,
        underTest: !!t.underTest, peer: !!t.peer, reference: !!t.reference,
        runs: mine.filter((r) => !r.skipped).length,
        okRuns: ok.length,
        ms: median(ok.map((r) => r.ms)),
        minMs: min(ok.map((r) => r.ms)),
        maxMs: max(ok.map((r) => r.ms)),
        perRunMs: ok.map((r) => Number(r.ms.toFixed(1))),
        stimeMs: median(ok.map((r) => r.stimeMs)),
        minStimeMs: min(ok.map((r) => r.stimeMs)),
        utimeMs: median(ok.map((r) => r.utimeMs)),
        cacheGrowth: median(growth),
        cacheGrowthMax: max(growth),
        dirtyGrowth: median(ok.map((r) => r.dirtyAfter - r.dirtyBefore)),
        syncAfterMs: median(ok.map((r) => r.syncAfterMs)),
        filesResidentAfter: median(ok.map((r) => r.filesResidentAfter)),
        srcResident: median(ok.map((r) => r.srcResident)),
        otherCpu: median(ok.map((r) => r.otherCpu)),
        maxRssKiB: median(ok.map((r) => r.maxRssKiB)),
        skipped: t.skip ?? null,
        errors: mine.filter((r) => r.error).map((r) => r.error),
      };
    });
    const peers = rows.filter((r) => r.peer);
    for (const row of rows) {
      row.vs = {};
      for (const p of peers) row.vs[p.tool] = row.ms && p.ms ? p.ms / row.ms : null;
    }
    sections[name] = { title: sectionTitle(name, opts), rows, peers: peers.map((p) => p.tool) };
  }

  const targets = [];
  for (const t of TARGETS) {
    const sec = sections[t.section];
    if (!sec) continue;
    const subj = sec.rows.find((r) => r.tool === t.subject);
    const vs = t.vs ? sec.rows.find((r) => r.tool === t.vs) : null;
    const out = { ...t, value: null, met: null };
    if (!subj || (t.vs && !vs)) { out.why = 'not in this run (--tools)'; targets.push(out); continue; }
    if (subj.skipped || (vs && vs.skipped)) { out.why = subj.skipped ?? vs.skipped; targets.push(out); continue; }
    if (t.kind === 'speed') out.value = subj.ms && vs.ms ? vs.ms / subj.ms : null;
    if (t.kind === 'cache') out.value = subj.cacheGrowth != null ? subj.cacheGrowth / fixtures.bigSize : null;
    if (t.kind === 'stime') {
      // judged on each side's lowest system CPU over the rounds, not on medians: a buffered copy
      // that lands on pages the host has taken back costs several times more system time (see
      // the README: "Memory"), and that happens in some rounds and not others, which would
      // flatter the unbuffered copy. The ratio of the medians is printed beside it.
      out.value = subj.minStimeMs != null && vs.minStimeMs ? subj.minStimeMs / vs.minStimeMs : null;
      out.medianRatio = subj.stimeMs != null && vs.stimeMs ? subj.stimeMs / vs.stimeMs : null;
    }
    if (out.value == null) out.why = 'no successful measurement';
    else out.met = t.min != null ? out.value >= t.min : out.value <= t.max;
    targets.push(out);
  }
  return { sections, targets };
}

function sizeLabel(n) {
  for (const [u, m] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]]) if (n >= m && n % m === 0) return `${n / m} ${u}`;
  return `${n} bytes`;
}

function sectionTitle(name, opts) {
  if (name === 'big') return `${sizeLabel(opts.size)} file, warm source, new destination`;
  if (name === 'unbuffered') return `${sizeLabel(opts.size)} file, unbuffered vs buffered, ${opts.unbufferedSource} source`;
  return `${opts.files.toLocaleString('en-US')} files of 1–64 KiB in ${opts.dirs} directories, warm source, new destination`;
}

const fmtMs = (x) => (x == null ? '–' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const fmtMiB = (b) => (b == null ? '–' : (b / 1024 ** 2).toFixed(1));
const fmtPct = (x) => (x == null ? '–' : `${(100 * x).toFixed(1)}%`);

function tableFor(name, sec, fixtures) {
  const bytes = name === 'tree' ? fixtures.tree.bytes : fixtures.bigSize;
  const cols = [
    ['tool', (r) => r.tool + (r.underTest ? ' *' : '')],
    ['median ms', (r) => fmtMs(r.ms) + (r.okRuns < r.runs ? ` (${r.runs - r.okRuns} failed)` : '')],
    ['min–max ms', (r) => (r.minMs == null ? '–' : `${fmtMs(r.minMs)}–${fmtMs(r.maxMs)}`)],
  ];
  if (name === 'tree') cols.push(['files/s', (r) => (r.ms ? Math.round(fixtures.tree.files / (r.ms / 1000)).toLocaleString('en-US') : '–')]);
  cols.push(['GB/s', (r) => (r.ms ? (bytes / 1e9 / (r.ms / 1000)).toFixed(2) : '–')]);
  for (const p of sec.peers) cols.push([`× ${p}`, (r) => fmtX(r.vs[p])]);
  cols.push(['sys ms', (r) => fmtMs(r.stimeMs)], ['user ms', (r) => fmtMs(r.utimeMs)]);
  if (name === 'unbuffered') {
    cols.push(['Cached +MiB (max)', (r) => (r.cacheGrowth == null ? '–' : `${fmtMiB(r.cacheGrowth)} (${fmtMiB(r.cacheGrowthMax)})`)]);
    cols.push(['% of file', (r) => (r.cacheGrowth == null ? '–' : fmtPct(r.cacheGrowth / fixtures.bigSize))]);
    cols.push(['fincore MiB', (r) => fmtMiB(r.filesResidentAfter)]);
    cols.push(['sync after ms', (r) => fmtMs(r.syncAfterMs)]);
    cols.splice(cols.findIndex(([h]) => h === 'sys ms') + 1, 0, ['min sys ms', (r) => fmtMs(r.minStimeMs)]);
  } else {
    cols.push(['Cached +MiB', (r) => fmtMiB(r.cacheGrowth)]);
  }
  cols.push(['other CPU', (r) => fmtCpu(r.otherCpu)]);
  const rows = sec.rows.map((r) => {
    if (r.okRuns === 0) return [r.tool + (r.underTest ? ' *' : ''), r.skipped ? 'skipped' : 'FAILED', ...cols.slice(2).map(() => '')];
    return cols.map(([, f]) => f(r));
  });
  const below = sec.rows.filter((r) => r.okRuns === 0).map((r) => `${r.tool}: ${r.skipped ? `skipped: ${r.skipped}` : `failed: ${r.errors[0] ?? 'no run'}`}`);
  return { header: cols.map(([h]) => h), rows, below };
}

function textTable({ header, rows, below }) {
  const cells = [header, ...rows];
  const w = header.map((_, i) => Math.max(...cells.map((c) => (c[i] ?? '').length)));
  return cells.map((c, k) => {
    const line = c.map((s, i) => (i === 0 ? (s ?? '').padEnd(w[i]) : (s ?? '').padStart(w[i]))).join('  ');
    return k === 0 ? `${line}\n${w.map((n) => '-'.repeat(n)).join('  ')}` : line;
  }).join('\n') + below.map((b) => `\n  ${b}`).join('');
}

function markdownTable({ header, rows, below }) {
  return [header, header.map((_, i) => (i === 0 ? ':---' : '---:')), ...rows].map((c) => `| ${c.join(' | ')} |`).join('\n') +
    (below.length ? `\n\n${below.map((b) => `- ${b}`).join('\n')}` : '');
}

function targetLine(t) {
  const what = t.kind === 'speed' ? `${fmtX(t.value)} ${t.vs} (target ≥ ${t.min}×)`
    : t.kind === 'cache' ? `page-cache growth ${fmtPct(t.value)} of the file (target ≤ ${fmtPct(t.max)})`
      : `system CPU ${fmtX(t.value)} ${t.vs}'s, lowest against lowest over the rounds (target ≤ ${fmtX(t.max)}; median against median ${fmtX(t.medianRatio)})`;
  if (t.met == null) return `- ${t.reference ? '(reference) ' : ''}not checked: ${t.subject}: ${t.why}`;
  if (t.reference) return `- (reference, not a target) ${t.subject}: ${what}: ${t.met ? 'would meet it' : 'would not'}`;
  return `- ${t.met ? 'met' : 'NOT met'}: ${t.subject}: ${what}`;
}

function sectionMethod(name, opts, fixtures) {
  const size = sizeLabel(fixtures.bigSize);
  if (name === 'big') return `${size} file of seeded random data, read once before each round (warm; the source's residency is checked with fincore before every copy); destination deleted and \`sync\` run before each copy.`;
  if (name === 'unbuffered') {
    return (opts.unbufferedSource === 'cold'
      ? `${size} file, source **cold** for every copy (\`sync; echo 1 > /proc/sys/vm/drop_caches\` before each, after a helper process touched and freed 2¼ GiB so that the copy finds recently used memory: see the README, "Memory").`
      : `${size} file, source **warm** for every copy (read before each round).`) +
      ' Cached +MiB = /proc/meminfo Cached just after the call minus just before it, read in the child; fincore MiB = how much of the source and the destination is in the page cache right after the copy (a cross-check that other processes cannot disturb); sys ms = the child\'s ru_stime during the call (all its threads); "sync after" = how long `sync` took after the copy, i.e. the writeback the copy left behind (not in its time).';
  }
  return `${fixtures.tree.files.toLocaleString('en-US')} files of 1–64 KiB (${fmtMiB(fixtures.tree.bytes)} MiB) in ${fixtures.tree.dirs} directories, sizes from a fixed seed; tree read before each round (warm); ` +
    (opts.treeDest === 'keep'
      ? 'every copy into a new directory; before it, the files of the last copy truncated to 0 bytes (their page cache freed for this copy to reuse) and `sync` run; all the copies deleted after the section. Not deleted between copies: on ext4 without a journal a new inode skips those freed in the last 60 s, or 360 s if their inode-table block is dirty, which makes a copy after an `rm -rf` of 10,000 files several times slower; for the same reason nothing should delete many files on this file system in the 6 minutes before the section.'
      : 'the last copy deleted (`rm -rf`) and `sync` run before each copy (--tree-dest rm).');
}

// ---------------------------------------------------------------- main

export async function main(argv) {
  const opts = parseOrExplain('copy', parseArgs, argv, USAGE);
  if (!opts) return 2;
  if (opts.help) { process.stdout.write(USAGE); return 0; }
  if (opts.tools) {
    const known = Object.values(SECTIONS).flatMap((s) => s.tools.map((t) => t.name));
    const unknown = opts.tools.filter((n) => !known.includes(n));
    if (unknown.length) {
      process.stderr.write(`bench copy: unknown tool(s) ${unknown.join(', ')}; known: ${known.join(', ')}\n`);
      return 2;
    }
  }
  if (os.platform() !== 'linux') { process.stderr.write('bench copy: Linux only (/proc, drop_caches, coreutils)\n'); return 2; }

  const started = performance.now();
  const log = (s) => process.stderr.write(`${s}\n`);
  const fsIocpMod = await import('@wsm/fs-iocp').catch((err) => ({ loadError: err.message }));
  const fsIocp = { copyFile: typeof fsIocpMod.copyFile === 'function', cp: typeof fsIocpMod.cp === 'function', loadError: fsIocpMod.loadError ?? null };

  const env = machine(opts.workdir);
  const date = new Date();
  const command = process.env.npm_lifecycle_event === 'bench' ? `pnpm bench ${['copy', ...argv].join(' ')}` : `node ${path.relative(process.cwd(), path.join(BENCH_DIR, 'src', 'cli.mjs')) || 'cli.mjs'} ${['copy', ...argv].join(' ')}`;
  const notes = [];
  if (env.fileSystem === 'tmpfs') notes.push(`the work directory is on tmpfs (${opts.workdir}): nothing here measures a disk file system`);
  if (!fsIocp.copyFile || !fsIocp.cp) {
    const missing = ['copyFile', 'cp'].filter((n) => !fsIocp[n]);
    notes.push(`@wsm/fs-iocp (packages/fs-iocp/dist) does not export ${missing.join(' or ')} yet${fsIocp.loadError ? ` (${fsIocp.loadError})` : ''}: its rows are skipped and its targets not checked; the core's functions are shown as references.`);
  }
  const loadBefore = loadavg();
  const busy = await idleCheck();
  if (busy != null && busy > 0.25) notes.push(`before the run, ${busy.toFixed(2)} CPUs were busy with other work (load average ${loadBefore.join(', ')}): expect noise`);

  const work = fs.mkdtempSync(path.join(opts.workdir, 'wsm-bench-copy-'));
  const cleanupWork = () => { if (!opts.keep) rmrf(work); };
  const onSignal = (sig) => { cleanupWork(); process.exit(sig === 'SIGINT' ? 130 : 143); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const records = [];
  const state = { waitedS: 0, sectionSeconds: {} };
  const fixtures = { bigSize: opts.size, bigFile: path.join(work, 'src.bin'), treeDir: path.join(work, 'src-tree'), tree: null };
  let failed = 0;
  let result;
  try {
    log(`copy benchmark: sections ${opts.sections.join(', ')}; ${opts.runs} round(s); work dir ${work} (${env.fileSystem})`);
    const t0 = performance.now();
    if (opts.sections.some((s) => SECTIONS[s].kind === 'file')) {
      makeBigFile(fixtures.bigFile, opts.size);
      syncAll();
      warmFile(fixtures.bigFile);
    }
    if (opts.sections.includes('tree')) {
      fixtures.tree = makeTree(fixtures.treeDir, { files: opts.files, dirs: opts.dirs });
      syncAll();
    }
    state.fixtureSeconds = (performance.now() - t0) / 1000;
    log(`sources written in ${state.fixtureSeconds.toFixed(1)} s`);

    for (const name of RUN_ORDER.filter((s) => opts.sections.includes(s))) {
      await runSection(name, { opts, work, fixtures, records, state, log, fsIocp, notes });
    }
    result = summarize(records, opts, fixtures, fsIocp);
  } finally {
    cleanupWork();
    if (opts.keep) log(`kept ${work}`);
  }
  const totalSeconds = (performance.now() - started) / 1000;
  const loadAfter = loadavg();
  const { sections, targets } = result;

  failed = records.filter((r) => r.error).length;
  const noisy = records.filter((r) => r.otherCpu != null && r.otherCpu > NOISY_OTHER);
  if (noisy.length) {
    notes.push(`${noisy.length} of ${records.filter((r) => !r.skipped).length} copies ran while other work used more than ${NOISY_OTHER} CPU ` +
      `(kernel writeback of earlier copies counts too): ${noisy.map((r) => `${r.tool} (${r.section} ${r.run})`).join(', ')}. Compare ratios, not absolutes.`);
  }
  if (state.waitedS >= opts.noiseBudget) notes.push(`the noise budget (--noise-budget ${opts.noiseBudget} s) ran out: later copies were not waited for.`);
  const lukewarm = records.filter((r) => r.section === 'big' && r.srcResident != null && r.srcResident < 0.99 * fixtures.bigSize);
  if (lukewarm.length) notes.push(`${lukewarm.length} copies in "big" found the source less than 99% cached: see srcResident in the JSON.`);
  const warmCold = records.filter((r) => r.section === 'unbuffered' && opts.unbufferedSource === 'cold' && r.srcResident != null && r.srcResident > 0.01 * fixtures.bigSize);
  if (warmCold.length) notes.push(`${warmCold.length} "cold" copies found more than 1% of the source cached after drop_caches.`);
  const retried = records.filter((r) => r.firstError);
  if (retried.length) notes.push(`${retried.length} copies died before reporting and were run once more: ${retried.map((r) => `${r.tool} (${r.section} ${r.run}: ${r.firstError.slice(0, 120)})`).join('; ')}.`);
  if (failed) notes.push(`${failed} copies failed: see records[].error in the JSON.`);

  let out = '';
  for (const [name, sec] of Object.entries(sections)) {
    out += `\n${name}: ${sec.title}\n${textTable(tableFor(name, sec, fixtures))}\n`;
  }
  out += `\n(* = under test)\n${targets.map(targetLine).join('\n')}\n`;
  if (notes.length) out += `\n${notes.map((n) => `note: ${n}`).join('\n')}\n`;
  out += `\ntotal ${totalSeconds.toFixed(0)} s (sources ${state.fixtureSeconds?.toFixed(0)} s; ${Object.entries(state.sectionSeconds).map(([k, v]) => `${k} ${v.toFixed(0)} s`).join(', ')}); load average before ${loadBefore.join(', ')}, after ${loadAfter.join(', ')}\n`;
  process.stdout.write(out);

  if (opts.write) {
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    const stamp = date.toISOString().replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
    const jsonPath = path.join(RESULTS_DIR, `copy-${stamp}.json`);
    const data = {
      benchmark: 'copy', date: date.toISOString(), command, argv, options: opts, machine: env, fsIocp,
      fixtures: { bigSize: fixtures.bigSize, tree: fixtures.tree }, idleCheckBusyCpus: busy, loadBefore, loadAfter,
      seconds: { total: totalSeconds, fixtures: state.fixtureSeconds, ...state.sectionSeconds },
      sections, targets, notes, records,
    };
    fs.writeFileSync(jsonPath, `${JSON.stringify(data, null, 2)}\n`);
    const mdPath = path.join(RESULTS_DIR, 'copy-latest.md');
    fs.writeFileSync(mdPath, markdown({ date: date.toISOString(), command, opts, env, sections, targets, notes, fixtures, totalSeconds, loadBefore, loadAfter, jsonName: path.basename(jsonPath) }));
    process.stdout.write(`\nwrote ${path.relative(REPO_ROOT, jsonPath)} and ${path.relative(REPO_ROOT, mdPath)}\n`);
  }
  return failed ? 1 : 0;
}

function markdown({ date, command, opts, env, sections, targets, notes, fixtures, totalSeconds, loadBefore, loadAfter, jsonName }) {
  const parts = Object.entries(sections).map(([name, sec]) =>
    `## ${name}: ${sec.title}\n\n${sectionMethod(name, opts, fixtures)}\n\n${markdownTable(tableFor(name, sec, fixtures))}\n`);
  return `# Copy benchmark: latest results

\`*\` = under test (@wsm/fs-iocp). Times are medians of ${opts.runs} round(s); × <peer> = the peer's median time divided by the row's (above 1: faster than the peer).

${parts.join('\n')}
## Targets (issue)

${targets.map(targetLine).join('\n')}
${notes.length ? `\nNotes:\n\n${notes.map((n) => `- ${n}`).join('\n')}\n` : ''}
| | |
|---|---|
| command | \`${command}\` |
| date | ${date} |
| duration | ${totalSeconds.toFixed(0)} s; load average before ${loadBefore.join(', ')}, after ${loadAfter.join(', ')} |
| kernel (\`uname -r\`) | ${env.kernel} |
| node | ${env.node} |
| CPU | ${env.cpuModel} (${env.cpus} CPUs, ${env.memGiB} GiB) |
| work dir | under ${opts.workdir}: ${env.mount} |
| peers | ${env.coreutilsCp}; fs-extra ${env.fsExtra}; cpy ${env.cpy}; Node's fs.promises |
| method | every copy in a child process of its own (Node copiers: apps/bench/src/copy-worker.mjs, timing the call alone after loading the module; cp: a bash wrapper timing cp with $EPOCHREALTIME); in each round every tool once, the order rotating; one discarded warm-up copy per section; previous destination deleted (tree copies: emptied, see above) and \`sync\` run before each copy (not timed); copies checked (size or file count every time, every byte in round 1) |

Columns: sys ms / user ms = CPU the child used during the copy (\`process.resourceUsage()\` deltas,
all threads; for cp, bash's \`times\` for its child); Cached +MiB = growth of /proc/meminfo
Cached across the call; other CPU = the machine's busy CPU during the child's life not spent by the
child (noise from other work, and kernel writeback, which no process is charged for). Raw per-copy
data: \`${jsonName}\` in this folder. How to read it: apps/bench/README.md.
`;
}
