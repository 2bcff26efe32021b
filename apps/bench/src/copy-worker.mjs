// One copy in its own process, for `pnpm bench copy` (run-copy.mjs spawns it once per measurement).
//
//   node copy-worker.mjs '{"op":"fs.copyFile","src":"...","dest":"...","options":{...}}'
//
// Loads the copier first (not timed), then times exactly one call and prints one line
// `RESULT {json}`: wall ms of the call, the CPU the process used during it and in all
// (process.resourceUsage(), which includes every thread: libuv's pool, io_uring workers), and
// /proc/meminfo Cached/Dirty just before and just after the call.
import fs from 'node:fs';
import path from 'node:path';
import { meminfo } from './copy-fixtures.mjs';

/** op name -> async () => (src, dest, options) => Promise */
const OPS = {
  // fs-iocp's drop-in; with no options it must behave as its defaults (strategy 'auto')
  'fs-iocp.copyFile': async () => {
    const { copyFile } = await import('@wsm/fs-iocp');
    return (s, d, o) => (o === undefined ? copyFile(s, d) : copyFile(s, d, o));
  },
  'fs-iocp.cp': async () => {
    const { cp } = await import('@wsm/fs-iocp');
    return (s, d, o) => (o === undefined ? cp(s, d) : cp(s, d, o));
  },
  'fs.copyFile': async () => {
    const { copyFile } = await import('node:fs/promises');
    return (s, d) => copyFile(s, d);
  },
  'fs.cp': async () => {
    const { cp } = await import('node:fs/promises');
    return (s, d) => cp(s, d, { recursive: true });
  },
  'core.copyFileIocp': async () => {
    const { copyFileIocp } = await import('@wsm/core-native');
    return (s, d, o) => copyFileIocp(s, d, o);
  },
  // the core's in-kernel many-file copy, given a tree: walk it, make the directories, copy the pairs
  'core.copyFilesKernel': async () => {
    const { copyFilesKernel } = await import('@wsm/core-native');
    const { readdir, mkdir } = await import('node:fs/promises');
    return async (s, d, o) => {
      const pairs = [];
      const visit = async (from, to) => {
        await mkdir(to, { recursive: true });
        const entries = await readdir(from, { withFileTypes: true });
        const subdirs = [];
        for (const e of entries) {
          if (e.isDirectory()) subdirs.push(visit(path.join(from, e.name), path.join(to, e.name)));
          else if (e.isFile()) pairs.push([path.join(from, e.name), path.join(to, e.name)]);
        }
        await Promise.all(subdirs);
      };
      await visit(s, d);
      return copyFilesKernel(pairs, o);
    };
  },
  'fs-extra.copy': async () => {
    const fse = (await import('fs-extra')).default;
    return (s, d) => fse.copy(s, d);
  },
  // cpy keeps the structure below `cwd` (its default, flat: false)
  cpy: async () => {
    const { default: cpy } = await import('cpy');
    return (s, d) => cpy('**', d, { cwd: s });
  },
};

const job = JSON.parse(process.argv[2] ?? '{}');
const out = { op: job.op, ok: false };
try {
  const load = OPS[job.op];
  if (!load) throw new Error(`unknown op ${job.op}`);
  const fn = await load();
  if (typeof fn !== 'function') throw new Error(`${job.op} is not available`);
  const ru0 = process.resourceUsage();
  const m0 = meminfo();
  const t0 = performance.now();
  await fn(job.src, job.dest, job.options ?? undefined);
  const t1 = performance.now();
  const m1 = meminfo();
  const ru1 = process.resourceUsage();
  Object.assign(out, {
    ok: true,
    ms: t1 - t0,
    utimeMs: (ru1.userCPUTime - ru0.userCPUTime) / 1000,
    stimeMs: (ru1.systemCPUTime - ru0.systemCPUTime) / 1000,
    utimeTotalMs: ru1.userCPUTime / 1000,
    stimeTotalMs: ru1.systemCPUTime / 1000,
    maxRssKiB: ru1.maxRSS,
    cachedBefore: m0.Cached, cachedAfter: m1.Cached,
    dirtyBefore: m0.Dirty, dirtyAfter: m1.Dirty,
  });
} catch (err) {
  out.error = `${err?.code ? `${err.code}: ` : ''}${err?.message ?? err}`;
}
fs.writeSync(1, `RESULT ${JSON.stringify(out)}\n`);
process.exit(out.ok ? 0 : 1);
