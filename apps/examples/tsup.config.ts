import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/demo.ts', 'src/select-server-cli.ts', 'src/cluster-server.ts', 'src/select-server.ts', 'src/iocp-server.ts', 'src/rx-chat-server.ts', 'src/rx-chat-cli.ts', 'src/rx-chat-bot-cli.ts'],
  format: ['esm'],
  clean: true,
  target: 'node20',
  // The core (and @wsm/rx, rxjs) are loaded from the workspace as a user would load them, never bundled.
  external: ['@wsm/core-native', '@wsm/rx', 'rxjs'],
})
