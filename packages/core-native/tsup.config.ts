import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['lib/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // import.meta.url in the CommonJS build, for createRequire('../binding.cjs'): the loader stays a
  // separate file beside dist/, never bundled, so node-gyp-build finds the addon from its own path.
  shims: true,
})
