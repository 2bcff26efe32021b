import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // Never bundled, even if one of them moves to devDependencies: the core loads its addon from its
  // own path, and an application must have one rxjs so that its Observables interoperate.
  external: ['@wsm/core-native', 'rxjs'],
})
