import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each file in its own process: native handles and fd counts never leak between files.
    pool: 'forks',
    testTimeout: 15_000,
    hookTimeout: 15_000,
  },
})
