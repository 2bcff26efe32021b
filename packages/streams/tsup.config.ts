import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // Never bundled, even if it moves to devDependencies: the core loads its native addon from its
  // own path, and one copy per process keeps the handles it gives back identical.
  external: ['@wsm/core-native'],
})
