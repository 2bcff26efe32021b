// The built packages, copied where any user can read them. A test that runs a child as another
// user (uid 65534) must not depend on where the repository lives: a checkout under a 0700 home
// directory is out of that user's reach.
import { chmodSync, cpSync, readdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** Makes every directory under `root` 0755 and every file readable by all (keeping execute bits). */
function openToAll(root: string): void {
  const st = statSync(root)
  if (!st.isDirectory()) return chmodSync(root, (st.mode & 0o111 ? 0o755 : 0o644))
  chmodSync(root, 0o755)
  for (const name of readdirSync(root)) openToAll(join(root, name))
}

/**
 * Copies what `import('@wsm/fs-iocp')` loads (fs-iocp's and core-native's builds, the addon,
 * node-gyp-build) into `dir`/node_modules, readable by all. Returns the URL of fs-iocp's ESM entry there.
 */
export function stageBuiltPackages(dir: string): string {
  const here = createRequire(import.meta.url)
  const fsIocp = fileURLToPath(new URL('../../', import.meta.url))
  const core = dirname(here.resolve('@wsm/core-native/package.json'))
  const gypBuild = dirname(createRequire(join(core, 'package.json')).resolve('node-gyp-build/package.json'))
  const modules = join(dir, 'node_modules')
  const copy = (from: string, to: string, paths: string[]) => {
    for (const p of paths) cpSync(join(from, p), join(modules, to, p), { recursive: true, dereference: true })
  }
  copy(fsIocp, '@wsm/fs-iocp', ['package.json', 'dist'])
  // The addon node-gyp-build would load here (a local build, else the prebuild), at the same place
  // relative to the package, so that the staged copy loads that very file.
  const addon = relative(core, createRequire(join(core, 'package.json'))('node-gyp-build').resolve(core))
  copy(core, '@wsm/core-native', ['package.json', 'dist', 'binding.cjs', addon])
  copy(gypBuild, 'node-gyp-build', ['package.json', 'index.js', 'node-gyp-build.js'])
  openToAll(dir)
  return pathToFileURL(join(modules, '@wsm/fs-iocp/dist/index.js')).href
}
