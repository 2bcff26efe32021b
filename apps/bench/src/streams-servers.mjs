// The rows `pnpm bench streams` measures: in each section our server on @wsm/streams for every
// model and engine asked for, and Node's own server doing the same thing (the reference, 'node').
//
// A row definition is echo-servers.mjs's ({ name, command, args, env, skip }), plus:
//   section  'pipe' | 'http' | 'bulk' | 'tls'
//   kind     'ours' | 'node'
//   model, engine  our model and WSM_BACKEND ('node' for Node's row)
//   label    its bar group on the chart
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BENCH_DIR, SERVERS_DIR } from './paths.mjs';

export const SECTIONS = ['pipe', 'http', 'bulk', 'tls'];
/** Name of Node's row in every section. */
export const NODE = 'node';
/** Name of our row of `model` on `engine`. */
export const oursRow = (model, engine) => `streams ${model} (${engine})`;

const STREAMS_BUILT = path.join(BENCH_DIR, '..', '..', 'packages', 'streams', 'dist', 'index.js');
const notBuilt = () => (existsSync(STREAMS_BUILT) ? null : '@wsm/streams not built: pnpm build');

// The server program of each section, ours and Node's: [script, ...args before port and host].
const PROGRAMS = {
  pipe: { ours: (model) => ['streams-pipe.mjs', model], node: ['node-net-pipe.mjs'] },
  bulk: { ours: (model) => ['streams-pipe.mjs', model], node: ['node-net-pipe.mjs'] },
  http: { ours: (model) => ['http-hello.mjs', model], node: ['http-hello.mjs', 'node'] },
  tls: { ours: (model) => ['tls-echo.mjs', model], node: ['tls-echo.mjs', 'node'] },
};

const server = ([script, ...args]) => ({
  command: process.execPath,
  args: [path.join(SERVERS_DIR, script), ...args, '0', '127.0.0.1'],
});

/** The rows of `section`: ours for each model and engine, then Node's. */
export function streamsServers(section, { models, engines }) {
  const p = PROGRAMS[section];
  return [
    ...models.flatMap((model) => engines.map((engine) => ({
      name: oursRow(model, engine),
      section,
      kind: 'ours',
      model,
      engine,
      label: model,
      ...server(p.ours(model)),
      env: { WSM_BACKEND: engine },
      skip: notBuilt,
    }))),
    { name: NODE, section, kind: 'node', model: null, engine: 'node', label: NODE, ...server(p.node), env: {} },
  ];
}
