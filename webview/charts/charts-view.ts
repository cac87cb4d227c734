import type { DatasetChartsView, RowFilter } from '../../src/protocol';
import { h } from '../dom';
import { formatPercent, isStatusLabel, statusColour, statusText } from '../format';
import type { WebviewRpc } from '../rpc-client';
import { renderBarChart, type Bar } from './bar-chart';

const percent = (v: number) => `${Math.round(v)}%`;

function accuracyBars(rows: { key: string; total: number; correct: number }[], what: string): Bar[] {
  return rows.map((r) => ({
    label: r.key,
    value: r.total > 0 ? (100 * r.correct) / r.total : 0,
    colour: 'green',
    title: `${what} ${r.key}: ${r.correct} of ${r.total} correct (${formatPercent(r.correct, r.total)})`,
    note: `n=${r.total}`,
  }));
}

/** The dataset charts over the rows the filter matches. */
export class ChartsView {
  readonly element: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly messageEl: HTMLElement;
  private requested = 0;

  constructor(private readonly rpc: WebviewRpc) {
    this.grid = h('div', { className: 'charts-grid' });
    this.messageEl = h('div', { className: 'pane-message', text: 'Loading charts…' });
    this.element = h('div', { className: 'charts-pane', attrs: { role: 'region', 'aria-label': 'Dataset charts' } }, this.messageEl, this.grid);
  }

  async load(filter: RowFilter): Promise<void> {
    const ticket = ++this.requested;
    this.messageEl.hidden = false;
    this.messageEl.textContent = 'Loading charts…';
    try {
      const charts = await this.rpc.request('getCharts', { filter });
      if (ticket !== this.requested) return;
      this.render(charts);
      this.messageEl.hidden = true;
    } catch (error) {
      if (ticket !== this.requested) return;
      this.grid.replaceChildren();
      this.messageEl.textContent = `Could not load the charts: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  private render(charts: DatasetChartsView): void {
    const figures = [
      renderBarChart({
        title: 'Turns per trajectory',
        xLabel: 'turns',
        yLabel: 'trajectories',
        bars: charts.turnsHistogram.map((b) => ({ label: String(b.turns), value: b.count, colour: 'blue', title: `${b.count} trajectories with ${b.turns} turns` })),
      }),
      renderBarChart({
        title: 'Accuracy by number of turns',
        xLabel: 'turns',
        yLabel: '% correct',
        yMax: 100,
        yTickFormat: percent,
        bars: accuracyBars(charts.accuracyByTurns.map((r) => ({ key: String(r.turns), total: r.total, correct: r.correct })), 'turns'),
      }),
      renderBarChart({
        title: 'Status',
        xLabel: 'status label',
        yLabel: 'trajectories',
        bars: charts.statusBreakdown.map((b) => {
          const label = isStatusLabel(b.status) ? statusText(b.status) : b.status;
          return { label, value: b.count, colour: isStatusLabel(b.status) ? statusColour(b.status) : 'muted', title: `${b.count} ${label}` };
        }),
      }),
    ];
    if (charts.accuracyByMaxTurns.length > 0) {
      figures.push(
        renderBarChart({
          title: 'Accuracy by max-turn limit',
          xLabel: 'max turns',
          yLabel: '% correct',
          yMax: 100,
          yTickFormat: percent,
          bars: accuracyBars(charts.accuracyByMaxTurns.map((r) => ({ key: String(r.maxTurns), total: r.total, correct: r.correct })), 'max turns'),
        }),
      );
    }
    this.grid.replaceChildren(...figures);
  }
}
