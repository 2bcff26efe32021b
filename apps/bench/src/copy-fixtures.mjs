// Source data for `pnpm bench copy`: one big file and a tree of small files, both generated from a
// fixed seed so that every invocation copies the same bytes, plus helpers to read them back (to
// warm the page cache), count them and check their residency.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** A small, fast, seedable PRNG (mulberry32): returns floats in [0, 1). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBytes(rand, size) {
  const buf = Buffer.allocUnsafe(size);
  for (let i = 0; i + 4 <= size; i += 4) buf.writeUInt32LE((rand() * 4294967296) >>> 0, i);
  for (let i = size & ~3; i < size; i++) buf[i] = (rand() * 256) | 0;
  return buf;
}

/**
 * Writes `size` bytes of seeded pseudo-random data to `file` (4 MiB chunks of one random block,
 * each stamped with its chunk number so no two chunks are equal).
 */
export function makeBigFile(file, size, seed = 1) {
  const CHUNK = 4 << 20;
  const block = randomBytes(prng(seed), CHUNK);
  const fd = fs.openSync(file, 'w');
  try {
    for (let off = 0, n = 0; off < size; off += CHUNK, n++) {
      block.writeUInt32LE(n, 0);
      const len = Math.min(CHUNK, size - off);
      let done = 0;
      while (done < len) done += fs.writeSync(fd, block, done, len - done, off + done);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes `files` files of minSize..maxSize bytes (uniform, inclusive) into `dirs` directories
 * under `root` (d00/f00000.bin, ...): each file a random slice of a seeded random pool.
 * Returns { files, bytes, dirs }.
 */
export function makeTree(root, { files = 10_000, dirs = 100, minSize = 1024, maxSize = 64 * 1024, seed = 2 } = {}) {
  const rand = prng(seed);
  const pool = randomBytes(rand, (1 << 20) + maxSize);
  const width = String(dirs - 1).length;
  const fwidth = String(files - 1).length;
  const dirNames = Array.from({ length: dirs }, (_, i) => path.join(root, `d${String(i).padStart(width, '0')}`));
  for (const d of dirNames) fs.mkdirSync(d, { recursive: true });
  let bytes = 0;
  for (let i = 0; i < files; i++) {
    const size = minSize + Math.floor(rand() * (maxSize - minSize + 1));
    const off = Math.floor(rand() * (pool.length - size));
    fs.writeFileSync(path.join(dirNames[i % dirs], `f${String(i).padStart(fwidth, '0')}.bin`), pool.subarray(off, off + size));
    bytes += size;
  }
  return { files, bytes, dirs };
}

/** Every regular file under `root` (depth-first, directories sorted), as { files, bytes, list }. */
export function walkTree(root, { list = false } = {}) {
  let files = 0, bytes = 0;
  const out = [];
  const visit = (dir) => {
    const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.isFile()) {
        files++;
        bytes += fs.statSync(p).size;
        if (list) out.push(p);
      }
    }
  };
  visit(root);
  return { files, bytes, list: out };
}

/** Reads a file to the end (1 MiB at a time) so that it sits in the page cache. */
export function warmFile(file) {
  const buf = Buffer.allocUnsafe(1 << 20);
  const fd = fs.openSync(file, 'r');
  try {
    while (fs.readSync(fd, buf, 0, buf.length, null) > 0);
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads every file of a tree (and so its directories and inodes) into the page cache. */
export function warmTree(root) {
  for (const f of walkTree(root, { list: true }).list) warmFile(f);
}

/** Bytes of `file` resident in the page cache (util-linux fincore), or null if unknown. */
export function residentBytes(file) {
  try {
    const out = execFileSync('fincore', ['--bytes', '--noheadings', '--output', 'RES', file], { encoding: 'utf8' });
    const n = Number(out.trim());
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}

/** /proc/meminfo fields in bytes (Cached, Dirty, Writeback, MemFree), or {} off Linux. */
export function meminfo() {
  const out = {};
  try {
    for (const line of fs.readFileSync('/proc/meminfo', 'utf8').split('\n')) {
      const m = /^(Cached|Dirty|Writeback|MemFree):\s+(\d+) kB/.exec(line);
      if (m) out[m[1]] = Number(m[2]) * 1024;
    }
  } catch {}
  return out;
}
