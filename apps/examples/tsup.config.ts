import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/demo.ts', 'src/select-server-cli.ts', 'src/cluster-server.ts', 'src/select-server.ts', 'src/iocp-server.ts'],
  format: ['esm'],
  clean: true,
  target: 'node20',
  // The core is loaded from the workspace as a user would load it, never bundled.
  external: ['@wsm/core-native'],
})
