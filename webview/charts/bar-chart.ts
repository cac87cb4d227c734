import { select } from 'd3-selection';
import { scaleBand, scaleLinear } from 'd3-scale';
import { axisBottom, axisLeft } from 'd3-axis';
import { h, s } from '../dom';

export interface Bar {
  label: string;
  value: number;
  /** A `--vscode-charts-*` colour name. */
  colour: string;
  /** Hover text. */
  title: string;
  /** Text over the bar (e.g. the count behind a percentage). */
  note?: string;
}

export interface BarChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  bars: Bar[];
  /** Fixed top of the value axis (e.g. 100 for percentages). */
  yMax?: number;
  yTickFormat?: (value: number) => string;
}

const WIDTH = 380;
const HEIGHT = 230;
const MARGIN = { top: 22, right: 12, bottom: 44, left: 52 };

/** A labelled d3 bar chart; colours come from theme classes, text from textContent. */
export function renderBarChart(spec: BarChartSpec): HTMLElement {
  const innerWidth = WIDTH - MARGIN.left - MARGIN.right;
  const innerHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = scaleBand<string>().domain(spec.bars.map((b) => b.label)).range([0, innerWidth]).padding(0.2);
  const top = spec.yMax ?? Math.max(1, ...spec.bars.map((b) => b.value));
  const y = scaleLinear().domain([0, top]).nice().range([innerHeight, 0]);

  const svg = s('svg', { className: 'bar-chart', attrs: { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': spec.title } });
  const plot = s('g', { attrs: { transform: `translate(${MARGIN.left},${MARGIN.top})` } });
  svg.append(plot);

  const xAxis = s('g', { className: 'axis axis-x', attrs: { transform: `translate(0,${innerHeight})` } });
  const yAxis = s('g', { className: 'axis axis-y' });
  plot.append(xAxis, yAxis);
  select(xAxis).call(axisBottom(x).tickSizeOuter(0));
  const leftAxis = axisLeft(y).ticks(5);
  if (spec.yTickFormat) leftAxis.tickFormat((v) => spec.yTickFormat!(Number(v)));
  else leftAxis.tickFormat((v) => (Number.isInteger(Number(v)) ? String(v) : ''));
  select(yAxis).call(leftAxis);

  for (const bar of spec.bars) {
    const bx = x(bar.label) ?? 0;
    const by = y(bar.value);
    const rect = s('rect', {
      className: `bar colour-${bar.colour}`,
      attrs: { x: bx, y: by, width: x.bandwidth(), height: Math.max(0, innerHeight - by), 'data-label': bar.label, 'data-value': bar.value },
    });
    rect.append(s('title', { text: bar.title }));
    plot.append(rect);
    if (bar.note) plot.append(s('text', { className: 'bar-note', text: bar.note, attrs: { x: bx + x.bandwidth() / 2, y: by - 4, 'text-anchor': 'middle' } }));
  }
  plot.append(
    s('text', { className: 'axis-label', text: spec.xLabel, attrs: { x: innerWidth / 2, y: innerHeight + 36, 'text-anchor': 'middle' } }),
    s('text', { className: 'axis-label', text: spec.yLabel, attrs: { transform: `translate(${-40},${innerHeight / 2}) rotate(-90)`, 'text-anchor': 'middle' } }),
  );
  if (spec.bars.length === 0) {
    plot.append(s('text', { className: 'axis-label', text: 'no data', attrs: { x: innerWidth / 2, y: innerHeight / 2, 'text-anchor': 'middle' } }));
  }
  return h('figure', { className: 'chart' }, h('figcaption', { className: 'chart-title', text: spec.title }), svg);
}
