// Where things live, resolved from this file so the bench runs from any cwd.
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = path.resolve(BENCH_DIR, '..', '..');
export const C_DIR = path.join(BENCH_DIR, 'c');
export const SERVERS_DIR = path.join(BENCH_DIR, 'servers');
export const BUILD_DIR = path.join(BENCH_DIR, '.build'); // gitignored
export const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results');
/** The test certificate of @wsm/streams (CN and SAN localhost): the tls rows of `pnpm bench streams` use it. */
export const TLS_FIXTURES = path.join(REPO_ROOT, 'packages', 'streams', 'test', 'fixtures');
