#!/usr/bin/env node
// `pnpm bench <name> [options]`: dispatches to one benchmark.
const BENCHMARKS = {
  echo: { run: () => import('./run-echo.mjs'), about: 'TCP echo, closed-loop ping-pong: our servers vs Node net vs C epoll' },
  models: { run: () => import('./run-models.mjs'), about: 'every model\'s driver on both engines vs Node net: ping-pong, cluster, bulk, idle memory; a chart' },
  streams: { run: () => import('./run-streams.mjs'), about: '@wsm/streams vs Node: socket.pipe(socket) echo, node:http (wrk), 1 GiB piped, tls echo; a chart' },
  copy: { run: () => import('./run-copy.mjs'), about: 'file copies: @wsm/fs-iocp vs cp, fs.copyFile, fs.cp, fs-extra, cpy (1 GiB, unbuffered, 10,000 files)' },
};

function usage() {
  const names = Object.entries(BENCHMARKS).map(([n, b]) => `  ${n.padEnd(8)} ${b.about}`).join('\n');
  return `usage: pnpm bench <benchmark> [options]   (<benchmark> --help for its options)\n\nbenchmarks:\n${names}\n`;
}

let args = process.argv.slice(2);
if (args[0] === '--') args = args.slice(1); // tolerate a forwarded `--`
const [name, ...rest] = args;
const bench = Object.hasOwn(BENCHMARKS, name ?? '') ? BENCHMARKS[name] : null;
if (!bench) {
  if (name && name !== '-h' && name !== '--help') process.stderr.write(`unknown benchmark: ${name}\n\n`);
  (name && name !== '-h' && name !== '--help' ? process.stderr : process.stdout).write(usage());
  process.exit(name && name !== '-h' && name !== '--help' ? 2 : 0);
}
const mod = await bench.run();
process.exitCode = await mod.main(rest);
