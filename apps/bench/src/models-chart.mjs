// The chart of `pnpm bench models` (bench/results/models-latest.svg): for each connection count,
// grouped bars of msgs/s and of server µs/msg per model, one bar per engine, with Node net as a
// dashed reference line. A Vega-Lite spec compiled by vega-lite and rendered to SVG by vega's
// headless View (no browser, no canvas: text is measured by estimate).
import * as vega from 'vega';
import { compile } from 'vega-lite';

const METRICS = [
  { field: 'msgsPerSec', title: 'msgs/s (higher is better)' },
  { field: 'serverUsPerMsg', title: 'server µs/msg (lower is better)' },
];

/** One facet row of the chart: a metric per connection count, bars per model and engine. */
function metricChart(metric, labels) {
  return {
    facet: { column: { field: 'conns', type: 'ordinal', title: 'connections', header: { labelFontSize: 12 } } },
    spec: {
      width: 260,
      height: 200,
      layer: [
        {
          transform: [{ filter: 'datum.kind !== "node-net"' }],
          mark: { type: 'bar', tooltip: true },
          encoding: {
            x: { field: 'label', type: 'nominal', title: null, sort: labels, axis: { labelAngle: -35 } },
            xOffset: { field: 'engine', type: 'nominal' },
            y: { field: metric.field, type: 'quantitative', title: metric.title },
            color: { field: 'engine', type: 'nominal', title: 'engine', scale: { domain: ['io_uring', 'epoll', 'node'] } },
          },
        },
        {
          transform: [{ filter: 'datum.kind === "node-net"' }],
          mark: { type: 'rule', color: 'black', strokeDash: [6, 4], strokeWidth: 1.5 },
          encoding: { y: { field: metric.field, type: 'quantitative' } },
        },
        {
          transform: [{ filter: 'datum.kind === "node-net"' }],
          mark: { type: 'text', align: 'right', dy: -6, x: 'width', fontSize: 10 },
          encoding: { y: { field: metric.field, type: 'quantitative' }, text: { value: 'Node net' } },
        },
      ],
    },
    // each connection count its own scales: rates differ tenfold, and the cluster rows run at 50 and 500 only
    resolve: { scale: { x: 'independent', xOffset: 'independent', y: 'independent' } },
  };
}

/**
 * The SVG text of the chart of the ping-pong rows (points: label, engine, kind, conns and the
 * metrics); the bar groups in the order their labels first appear in `points`.
 */
export async function renderModelsChart(points, title) {
  const labels = [...new Set(points.filter((p) => p.kind !== 'node-net').map((p) => p.label))];
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, anchor: 'start' },
    data: { values: points },
    vconcat: METRICS.map((m) => metricChart(m, labels)),
    config: { font: 'sans-serif', background: 'white' },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
