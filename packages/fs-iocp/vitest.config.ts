import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each file in its own process: the tmpfs one mounts and the kill one spawns, undisturbed.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
