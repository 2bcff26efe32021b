import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The timer-bound suites run their six models at once (describe.concurrent.each(ALL_MODELS)).
    maxConcurrency: 6,
  },
})
