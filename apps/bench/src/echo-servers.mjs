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
//
// The server must echo every byte it receives, exit on SIGTERM (it gets
// SIGKILL 2 s later otherwise) and tolerate connections reset by the client
// (the client closes with one message in flight per connection).
import path from 'node:path';
import { BUILD_DIR, SERVERS_DIR } from './paths.mjs';

/** Name of the server the "x node-net" column divides by. */
export const NODE_NET = 'node-net';
/** Name of the server the "x c-epoll" column divides by. */
export const C_EPOLL = 'c-epoll';

export const echoServers = [
  // ---------------------------------------------------------------------------
  // PLACEHOLDER (to be added by the lead once the completion-port driver exists)
  //
  // Two entries for the JS echo server on our completion port, one per Linux
  // engine, run first in each round:
  //
  //   { name: 'wsm-iocp (io_uring)', command: process.execPath,
  //     args: [<path to a JS echo server on @wsm/core-native's CompletionPort / listen({ model: 'iocp' }),
  //            that takes [port] [host] and prints `LISTENING <port>`>, '0', '127.0.0.1'],
  //     env: { WSM_BACKEND: 'io_uring' }, underTest: true,
  //     skip: () => (<addon built?> ? null : 'native addon not built: pnpm build') },
  //   { name: 'wsm-iocp (epoll)', ...same..., env: { WSM_BACKEND: 'epoll' }, underTest: true, skip: ... },
  //
  // The server script should check at start-up that backend() matches
  // WSM_BACKEND (io_uring can be unavailable and fall back silently) and exit
  // non-zero otherwise, so that a fallback never gets reported as io_uring.
  // ---------------------------------------------------------------------------
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
