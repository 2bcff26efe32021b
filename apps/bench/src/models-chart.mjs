// The chart of `pnpm bench models` (bench/results/models-latest.svg): for each connection count,
// grouped bars of msgs/s and of server µs/msg per model, one bar per engine, with Node net as a
// dashed reference line (bar-chart.mjs).
import { groupedBars, renderBarChart } from './bar-chart.mjs';

const METRICS = [
  { field: 'msgsPerSec', title: 'msgs/s (higher is better)' },
  { field: 'serverUsPerMsg', title: 'server µs/msg (lower is better)' },
];

/**
 * The SVG text of the chart of the ping-pong rows (points: label, engine, kind, conns and the
 * metrics); the bar groups in the order their labels first appear in `points`.
 */
export async function renderModelsChart(points, title) {
  const labels = [...new Set(points.filter((p) => p.kind !== 'node-net').map((p) => p.label))];
  return renderBarChart(title, points, METRICS.map((y) => groupedBars({
    // the cluster rows run at 50 and 500 only: each connection count has its own scales
    column: { field: 'conns', type: 'ordinal', title: 'connections' },
    y,
    x: 'label',
    sort: labels,
    group: 'engine',
    groupDomain: ['io_uring', 'epoll', 'node'],
    reference: { filter: 'datum.kind === "node-net"', text: 'Node net' },
  })));
}
