// The servers `pnpm bench models` measures: a driver row per model (MODELS) and engine.
//
// A server definition is echo-servers.mjs's ({ name, command, args, env, skip, note }), plus:
//   model, engine  the driver's model and WSM_BACKEND (driver and cluster rows)
//   label          its group on the chart's x axis
//   kind           'driver' | 'raw' (the completion-port example) | 'rx' (the same on fromIocp)
//                  | 'node-net' | 'cluster'
//   conns          optional: the only connection counts it runs at
import { existsSync } from 'node:fs';
import path from 'node:path';
import { MODELS } from '@wsm/core-native';
import { echoServers, NODE_NET } from './echo-servers.mjs';
import { BENCH_DIR, SERVERS_DIR } from './paths.mjs';

export { NODE_NET };
export const ENGINES = ['io_uring', 'epoll'];
export const NODE_NET_CLUSTER = 'node-net × cluster(2)';
/** Name of a driver's row. */
export const driverRow = (model, engine) => `${model} driver (${engine})`;
/** Name of the raw completion-port server's row (echo-servers.mjs). */
export const rawRow = (engine) => `wsm-iocp (${engine})`;
/** Name of the row of the completion-port echo server on @wsm/rx's fromIocp (servers/wsm-rx.mjs). */
export const rxRow = (engine) => `rx fromIocp (${engine})`;
/** Name of the cluster row of the iocp driver. */
export const clusterRow = (engine) => `iocp driver × cluster(2) (${engine})`;

const ADDON_BUILT = path.join(BENCH_DIR, '..', '..', 'packages', 'core-native', 'build', 'Release', 'wsm.node');
const CLUSTER_BUILT = path.join(BENCH_DIR, '..', 'examples', 'dist', 'cluster-server.js');
const CLUSTER_CONNS = [50, 500];
const RX_BUILT = path.join(BENCH_DIR, '..', '..', 'packages', 'rx', 'dist', 'index.js');
// the connection counts issue 13's target names
const RX_CONNS = [50, 500];

const driver = (model, engine) => ({
  name: driverRow(model, engine),
  kind: 'driver',
  model,
  engine,
  label: model,
  command: process.execPath,
  args: [path.join(SERVERS_DIR, 'wsm-driver.mjs'), model, '0', '127.0.0.1'],
  env: { WSM_BACKEND: engine },
  skip: () => (existsSync(ADDON_BUILT) ? null : 'native addon not built: pnpm build'),
});

const raw = (engine) => ({
  ...echoServers.find((s) => s.name === rawRow(engine)),
  kind: 'raw',
  engine,
  label: 'wsm-iocp (raw)',
});

/** Ping-pong and bulk: every driver on both engines, the raw completion-port server, Node net. */
export function modelServers() {
  return [
    ...MODELS.flatMap((model) => ENGINES.map((engine) => driver(model, engine))),
    ...ENGINES.map(raw),
    { ...echoServers.find((s) => s.name === NODE_NET), kind: 'node-net', engine: 'node', label: NODE_NET },
  ];
}

/** Ping-pong only, at 50 and 500 connections: the raw completion-port server on fromIocp, per engine. */
export function rxServers() {
  return ENGINES.map((engine) => ({
    name: rxRow(engine),
    kind: 'rx',
    engine,
    label: 'rx fromIocp',
    conns: RX_CONNS,
    command: process.execPath,
    args: [path.join(SERVERS_DIR, 'wsm-rx.mjs'), '0', '127.0.0.1'],
    env: { WSM_BACKEND: engine },
    skip: () => (existsSync(ADDON_BUILT) && existsSync(RX_BUILT) ? null : 'native addon or @wsm/rx not built: pnpm build'),
  }));
}

/** Using every core: two processes sharing the port, at 50 and 500 connections only. */
export function clusterServers() {
  return [
    {
      name: clusterRow('io_uring'),
      kind: 'cluster',
      model: 'iocp',
      engine: 'io_uring',
      label: 'cluster(2)',
      conns: CLUSTER_CONNS,
      command: process.execPath,
      args: [CLUSTER_BUILT, '--workers', '2', '--port', '0', '--host', '127.0.0.1', '--model', 'iocp'],
      env: { WSM_BACKEND: 'io_uring' },
      note: 'cluster(2) rows: two server processes, both pinned to the server CPU with the primary, so on this ' +
        '2-CPU harness they show what sharing a port costs, not what a second core gains. The iocp driver\'s ' +
        'workers each listen with SO_REUSEPORT (apps/examples cluster-server); Node net\'s workers share the ' +
        'port the node:cluster way (the primary accepts and hands each socket to a worker, round robin).',
      skip: () => (existsSync(CLUSTER_BUILT) ? null : 'apps/examples not built: pnpm build'),
    },
    {
      name: NODE_NET_CLUSTER,
      kind: 'cluster',
      engine: 'node',
      label: 'cluster(2)',
      conns: CLUSTER_CONNS,
      command: process.execPath,
      args: [path.join(SERVERS_DIR, 'node-net-cluster.mjs'), '2', '0', '127.0.0.1'],
      env: {},
    },
  ];
}
