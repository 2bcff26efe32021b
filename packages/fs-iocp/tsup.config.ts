import { defineConfig } from 'tsup'

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    // Everything in dist/ but the CLI, which the second build writes there at the same time.
    clean: ['!cli.js', '!cli.js.map'],
    sourcemap: true,
    target: 'node20',
    // Never bundled, even if it moves to devDependencies: the core loads its native addon from its
    // own path, and one copy per process keeps the handles it gives back identical.
    external: ['@wsm/core-native'],
  },
  {
    // The bin (wsm-copy): ESM only, no types. It imports the package by its own name, so it runs on
    // dist/index.js, the very module users import, instead of a second bundled copy of it.
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    external: ['@wsm/core-native', '@wsm/fs-iocp', 'cli-progress'],
  },
])
