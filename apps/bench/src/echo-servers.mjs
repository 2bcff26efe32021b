// The servers `pnpm bench echo` measures, in the order they run in each round.
//
// A server definition:
//   name       shown in the table and used for the ratio columns
//   command    executable; started as `taskset -c <server-cpu> command ...args`
//   args       must make the server listen on 127.0.0.1 on an ephemeral port
//              (port 0) and print `LISTENING <port>` on stdout once it accepts
//   env        extra environment variables (merged over process.env)
//   underTest  true for our own servers: the report checks the targets
//              for them (50 conns: >= 1.6x node-net and >= 0.85x c-epoll;
//              500 conns: >= 1.5x node-net)
//   skip       optional () => string | null: a reason not to run it (e.g. the
//              native addon is not built); the row is then reported as skipped
//   note       optional: what the row means, printed under the table
//
// The server must echo every byte it receives, exit on SIGTERM (it gets
// SIGKILL 2 s later otherwise) and tolerate connections reset by the client
// (the client closes with one message in flight per connection).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BUILD_DIR, SERVERS_DIR } from './paths.mjs';

const EXAMPLES_BUILT = path.join(SERVERS_DIR, '..', '..', 'examples', 'dist', 'iocp-server.js');
const ADDON_BUILT = path.join(SERVERS_DIR, '..', '..', '..', 'packages', 'core-native', 'build', 'Release', 'wsm.node');

/** Name of the server the "x node-net" column divides by. */
export const NODE_NET = 'node-net';
/** Name of the server the "x c-epoll" column divides by. */
export const C_EPOLL = 'c-epoll';

export const echoServers = [
  ...['io_uring', 'epoll'].map((engine) => ({
    name: `wsm-iocp (${engine})`,
    command: process.execPath,
    args: [path.join(SERVERS_DIR, 'wsm-iocp.mjs'), '0', '127.0.0.1'],
    env: { WSM_BACKEND: engine },
    underTest: true,
    skip: () => (existsSync(EXAMPLES_BUILT) ? null : 'apps/examples not built: pnpm build'),
  })),
  ...['io_uring', 'epoll'].map((engine) => ({
    name: `wsm-floor (${engine})`,
    command: process.execPath,
    args: [path.join(SERVERS_DIR, 'wsm-floor.mjs'), '0', '127.0.0.1'],
    env: { WSM_BACKEND: engine },
    note:
      'wsm-floor: the same engine driven through its private native binding by the least JavaScript an echo needs ' +
      '(no Overlapped, CompletionPort or argument checks): the most any JavaScript server on this engine reaches, ' +
      'so the gap between wsm-iocp and wsm-floor is the cost of the Win32-shaped API.',
    skip: () => (existsSync(ADDON_BUILT) ? null : 'native addon not built: pnpm build'),
  })),
  {
    name: NODE_NET,
    command: process.execPath,
    args: [path.join(SERVERS_DIR, 'node-net.mjs'), '0', '127.0.0.1'],
    env: {},
  },
  {
    name: C_EPOLL,
    command: path.join(BUILD_DIR, 'epoll_echo'),
    args: ['0', '127.0.0.1'],
    env: {},
  },
];
