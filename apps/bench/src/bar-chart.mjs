// Grouped bar charts of the benchmarks (bench/results/*-latest.svg): Vega-Lite specs compiled by
// vega-lite and rendered to SVG by vega's headless View (no browser, no canvas: text is measured
// by estimate). Each chart is a column of panels; a panel is faceted into columns, each with its
// own scales, and holds bars grouped by `x`, one bar per `group` value (coloured by it).
import * as vega from 'vega';
import { compile } from 'vega-lite';

/**
 * One panel: `y` ({ field, title }) per `column` (a Vega-Lite facet field definition), bars at
 * `x` in the order `sort`, one per `group` value (colours in the order `groupDomain`). With
 * `reference` ({ filter, text }) the points it selects are drawn as a dashed line labelled
 * `text` instead of bars.
 */
export function groupedBars({ column, y, x, sort, group, groupDomain, reference }) {
  const value = { field: y.field, type: 'quantitative' };
  const layer = [
    {
      transform: reference ? [{ filter: `!(${reference.filter})` }] : [],
      mark: { type: 'bar', tooltip: true },
      encoding: {
        x: { field: x, type: 'nominal', title: null, sort, axis: { labelAngle: -35 } },
        xOffset: { field: group, type: 'nominal' },
        y: { ...value, title: y.title },
        color: { field: group, type: 'nominal', title: group, scale: { domain: groupDomain } },
      },
    },
  ];
  if (reference) {
    layer.push(
      { transform: [{ filter: reference.filter }], mark: { type: 'rule', color: 'black', strokeDash: [6, 4], strokeWidth: 1.5 }, encoding: { y: value } },
      {
        transform: [{ filter: reference.filter }],
        mark: { type: 'text', align: 'right', dy: -6, x: 'width', fontSize: 10 },
        encoding: { y: value, text: { value: reference.text } },
      },
    );
  }
  return {
    facet: { column: { header: { labelFontSize: 12 }, ...column } },
    spec: { width: 260, height: 200, layer },
    // each column its own scales: the figures of two columns may differ tenfold or be other units
    resolve: { scale: { x: 'independent', xOffset: 'independent', y: 'independent' } },
  };
}

/** The SVG text of a chart of `panels` (groupedBars) stacked over one another, drawn from `points`. */
export async function renderBarChart(title, points, panels) {
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, anchor: 'start' },
    data: { values: points },
    vconcat: panels,
    config: { font: 'sans-serif', background: 'white' },
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
