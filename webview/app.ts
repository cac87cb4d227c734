import type { BrokenRow, EditOp, Row, RowFilter, RowSummary, SlimTaskTreeView, SortKey, TrajectoryView, WebviewEvents } from '../src/protocol';
import { treeTrajectoryOf } from '../src/core/view/slim-task-tree';
import { ChartsView } from './charts/charts-view';
import { ComparisonPane } from './compare/comparison-view';
import { DetailEditing } from './edit/detail-editing';
import { EditClient } from './edit/edit-client';
import { ReviewQueue } from './review/review-queue';
import { DetailPanel } from './detail/detail-panel';
import { h, iconButton } from './dom';
import { brokenRowText } from './format';
import type { HostBridge } from './host-bridge';
import { installShortcuts, ShortcutsOverlay } from './keyboard';
import { FilterBar } from './list/filter-bar';
import { RowSource } from './list/row-source';
import { TrajectoryList } from './list/trajectory-list';
import { ViewStateStore, type CentreView } from './persisted-state';
import { connectToHost, type WebviewRpc } from './rpc-client';
import { SelectionRefresh } from './selection-refresh';
import { splitter } from './splitter';
import { TreeView } from './tree/tree-view';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The trajectory editor's webview: the list on the left, the task's search tree (or the
 * charts) in the centre, the selected turn on the right. It talks to the host only through
 * the typed protocol, over whatever `HostBridge` it is given.
 */
export class App {
  private readonly rpc: WebviewRpc;
  private readonly store: ViewStateStore;
  private readonly rows: RowSource;
  private readonly list: TrajectoryList;
  private readonly filterBar: FilterBar;
  private readonly tree: TreeView;
  private readonly charts: ChartsView;
  private readonly detail: DetailPanel;
  private readonly overlay = new ShortcutsOverlay();
  private readonly titleEl: HTMLElement;
  private readonly hintEl: HTMLElement;
  private readonly dirtyEl: HTMLElement;
  private readonly tabs: Record<CentreView, HTMLButtonElement>;
  private readonly disposers: (() => void)[] = [];
  private readonly edits: EditClient;
  private readonly editing: DetailEditing;
  private readonly queue: ReviewQueue;
  private readonly comparison: ComparisonPane;
  private readonly compareButton: HTMLButtonElement;
  private selectedLine: number | null = null;
  private selectedTurn: number | null = null;
  private taskTree: SlimTaskTreeView | null = null;
  private trajectory: TrajectoryView | null = null;
  /** Bumped by every selection; answers for older ones are dropped. */
  private selectionTicket = 0;
  private readonly refresh: SelectionRefresh;

  constructor(root: HTMLElement, bridge: HostBridge) {
    const connection = connectToHost(bridge);
    this.rpc = connection.rpc;
    this.disposers.push(connection.dispose);
    this.store = new ViewStateStore(bridge);
    const state = this.store.current;
    this.refresh = new SelectionRefresh({
      rpc: this.rpc,
      shown: () => ({ line: this.selectedLine, trajectory: this.trajectory, taskTree: this.taskTree, ticket: this.selectionTicket }),
      requery: () => {
        this.rows.invalidate();
        this.list.schedule();
        if (this.store.current.centreView === 'charts') void this.charts.load(this.store.current.filter);
      },
      patchRow: (summary) => {
        if (this.rows.patchRow(summary)) this.list.schedule();
      },
      forgetImages: () => this.detail.forgetImages(),
      refreshed: (task, trajectory) => this.onRefreshed(task, trajectory),
      reportError: (message) => this.reportError(message),
    });
    this.disposers.push(() => this.refresh.dispose());

    this.rows = new RowSource(this.rpc, { filter: state.filter, sort: state.sort }, () => this.onRows(), (message) => this.list.showError(`Could not load the rows: ${message}`));
    this.list = new TrajectoryList(this.rows, {
      select: (row, index) => this.selectRow(row, index),
      sort: (key) => this.sortBy(key),
      scroll: (scrollTop) => this.store.update({ scrollTop }),
      marked: (lines) => {
        this.compareButton.hidden = lines.length !== 2;
      },
    }, state.scrollTop);
    this.list.setSort(state.sort.key, state.sort.descending);
    this.filterBar = new FilterBar(state.filter, (filter) => this.setFilter(filter));
    this.tree = new TreeView(this.rpc, {
      selectNode: (line, turn) => void this.select(line, this.taskTree?.taskId ?? null, turn, true),
      zoom: (taskId, zoom) => this.store.setZoom(taskId, zoom),
    });
    this.charts = new ChartsView(this.rpc);
    this.edits = new EditClient(this.rpc, {
      applied: (view, summary) => this.onEdited(view, summary),
      failed: (message) => {
        this.editing.showError(message);
        this.reportError(message);
      },
    });
    const apply = (line: number, op: EditOp) => {
      this.editing.showError(null);
      return this.edits.apply(line, op);
    };
    this.editing = new DetailEditing(this.rpc, { apply, report: (message) => this.reportError(message) });
    this.detail = new DetailPanel(this.rpc, {
      selectTurn: (turn) => this.setTurn(turn),
      revealLine: (line) => void this.rpc.request('revealLine', { line }).catch((e: unknown) => this.reportError(`Could not open line ${line}: ${messageOf(e)}`)),
      rawTextChanged: (rawText) => this.store.update({ rawText }),
    }, state.rawText, this.editing);
    this.queue = new ReviewQueue({
      load: (filter, sort) => this.rpc.request('reviewQueue', { filter, sort }),
      currentSort: () => this.store.current.sort,
      show: async (line) => {
        await this.select(line, null, null);
        return this.trajectory?.line === line ? this.trajectory : null;
      },
      preload: (line) => void this.rpc.request('getTrajectory', { line }).then((view) => this.detail.preload(view), () => undefined),
      setStatus: (line, status) => this.editing.review.setStatus(status, line),
      toggleLabelAt: (line, index) => this.editing.review.toggleLabelAt(index, line),
      editText: () => {
        if (!this.editing.readonly) this.editing.tools.editText();
      },
      focusBox: () => this.editing.focusBox(),
      report: (message) => this.reportError(message),
    });
    this.comparison = new ComparisonPane(this.rpc, () => this.closeComparison());
    this.compareButton = h('button', { className: 'text-button compare-button', text: 'Compare', title: 'Compare the two rows marked with Ctrl+click', attrs: { type: 'button', hidden: true } });
    this.compareButton.addEventListener('click', () => {
      const [a, b] = this.list.markedLines;
      if (a !== undefined && b !== undefined) void this.openComparison(a, b);
    });

    this.titleEl = h('span', { className: 'app-title', text: 'Mini-o3 trajectories' });
    this.hintEl = h('span', { className: 'app-hint', text: 'Press ? for keyboard shortcuts', attrs: { hidden: true } });
    this.dirtyEl = h('span', { className: 'app-dirty', text: '● unsaved edits', title: 'The document has edits not saved to the file (Ctrl+S saves)', attrs: { hidden: true, role: 'status' } });
    this.tabs = {
      tree: h('button', { className: 'tab', text: 'Search tree', attrs: { type: 'button', role: 'tab', 'data-view': 'tree' } }),
      charts: h('button', { className: 'tab', text: 'Charts', attrs: { type: 'button', role: 'tab', 'data-view': 'charts' } }),
    };
    this.tabs.tree.addEventListener('click', () => this.setCentreView('tree'));
    this.tabs.charts.addEventListener('click', () => this.setCentreView('charts'));

    const listPane = h('aside', { className: 'list-pane', attrs: { 'aria-label': 'Trajectory list' } }, this.filterBar.element, this.list.element);
    const centre = h('main', { className: 'centre-pane' }, h('div', { className: 'tab-bar', attrs: { role: 'tablist' } }, this.tabs.tree, this.tabs.charts), this.tree.element, this.charts.element, this.comparison.element);
    const detailPane = h('aside', { className: 'detail-wrapper', attrs: { 'aria-label': 'Selected turn' } }, this.detail.element);
    root.replaceChildren(
      h(
        'div',
        { className: 'app' },
        h(
          'div',
          { className: 'app-toolbar' },
          this.titleEl,
          this.dirtyEl,
          this.hintEl,
          h('span', { className: 'spacer' }),
          this.compareButton,
          iconButton('checklist', 'Review queue: unreviewed trajectories, one key per decision', () => void this.queue.open()),
          iconButton('keyboard', 'Keyboard shortcuts (?)', () => this.overlay.toggle()),
        ),
        this.queue.element,
        h('div', { className: 'app-body' }, listPane, splitter(listPane, 'left', 'Resize the list'), centre, splitter(detailPane, 'right', 'Resize the detail panel'), detailPane),
        this.overlay.element,
      ),
    );
    this.setCentreView(state.centreView);

    this.disposers.push(
      this.rpc.on('init', (body) => this.onInit(body)),
      this.rpc.on('rowsChanged', (body) => this.refresh.onRowsChanged(body)),
      this.rpc.on('dirtyChanged', ({ dirty }) => {
        this.dirtyEl.hidden = !dirty;
      }),
      this.rpc.on('trajectoryChanged', (body) => this.refresh.onTrajectoryChanged(body)),
      this.rpc.on('select', (body) => void this.select(body.line, null, body.turn ?? null)),
      this.rpc.on('openReviewQueue', (body) => void this.queue.open(body.filter)),
      this.rpc.on('openComparison', (body) => void this.openComparison(body.a, body.b)),
      () => this.queue.close(),
      installShortcuts({
        nextRow: () => void this.list.move(1),
        previousRow: () => void this.list.move(-1),
        nextTurn: () => this.stepTurn(1),
        previousTurn: () => this.stepTurn(-1),
        focusNode: () => {
          if (this.store.current.centreView !== 'tree') this.setCentreView('tree');
          this.tree.focusSelected();
        },
        escape: () => {
          if (this.overlay.open) {
            this.overlay.toggle(false);
            return true;
          }
          return this.tree.clearFocus();
        },
        toggleHelp: () => this.overlay.toggle(),
        zoomIn: () => this.tree.zoomBy(1.25),
        zoomOut: () => this.tree.zoomBy(0.8),
        fit: () => this.tree.fit(),
        focusSearch: () => this.filterBar.focusSearch(),
        toggleCharts: () => this.setCentreView(this.store.current.centreView === 'tree' ? 'charts' : 'tree'),
        editText: () => {
          if (!this.editing.readonly) this.editing.tools.editText();
        },
        editBox: () => this.editing.focusBox(),
      }),
    );

    this.list.schedule();
    this.rpc.emit('ready', {});
    this.rpc.request('getLabelSet', {}).then(
      ({ labels }) => this.editing.review.setLabelSet(labels),
      (e: unknown) => this.reportError(`Could not read the review labels: ${messageOf(e)}`),
    );
    if (state.selectedLine !== null) void this.select(state.selectedLine, null, state.selectedTurn);
  }

  dispose(): void {
    for (const dispose of this.disposers.splice(0)) dispose();
  }

  private onInit(body: WebviewEvents['init']): void {
    this.titleEl.textContent = body.fileName;
    this.titleEl.title = body.fileName;
    this.hintEl.hidden = !body.keybindingsHelp;
    this.edits.readonly = body.readonly;
    this.editing.setReadonly(body.readonly);
  }

  /** The host applied an edit: the row, the tree node and the detail show the fresh view and its statuses. */
  private onEdited(view: TrajectoryView, summary: RowSummary): void {
    if (this.rows.patchRow(summary)) this.list.schedule();
    this.queue.noteView(view);
    if (this.taskTree?.taskId === view.task.id) {
      this.taskTree = { ...this.taskTree, trajectories: this.taskTree.trajectories.map((t) => (t.line === view.line ? treeTrajectoryOf(view) : t)) };
      this.tree.show(this.taskTree, this.store.zoomOf(this.taskTree.taskId));
    }
    if (view.line !== this.selectedLine) return;
    this.trajectory = view;
    const last = view.turns.at(-1)?.index ?? null;
    if (this.selectedTurn === null || last === null || this.selectedTurn > last) this.selectedTurn = last;
    this.showSelection();
  }

  private async openComparison(a: number, b: number): Promise<void> {
    this.tree.element.hidden = true;
    this.charts.element.hidden = true;
    // The comparison takes the centre: no tab is the one shown.
    for (const tab of Object.values(this.tabs)) {
      tab.setAttribute('aria-selected', 'false');
      tab.classList.remove('active');
    }
    await this.comparison.open(a, b);
  }

  private closeComparison(): void {
    this.comparison.element.hidden = true;
    this.setCentreView(this.store.current.centreView);
  }

  private onRows(): void {
    this.list.showError(null);
    const counts = this.rows.counts;
    if (counts) this.filterBar.setDataSources(counts.dataSources);
    this.list.schedule();
    if (!performance.getEntriesByName('mini-o3:first-rows').length && (this.rows.length ?? 0) > 0) performance.mark('mini-o3:first-rows');
  }

  private setFilter(filter: RowFilter): void {
    this.store.update({ filter, scrollTop: 0 });
    this.rows.setQuery({ filter, sort: this.store.current.sort });
    this.list.resetScroll();
    if (this.store.current.centreView === 'charts') void this.charts.load(filter);
  }

  private sortBy(key: SortKey): void {
    const current = this.store.current.sort;
    const sort = { key, descending: current.key === key ? !current.descending : false };
    this.store.update({ sort, scrollTop: 0 });
    this.list.setSort(sort.key, sort.descending);
    this.rows.setQuery({ filter: this.store.current.filter, sort });
    this.list.resetScroll();
  }

  private setCentreView(view: CentreView): void {
    this.store.update({ centreView: view });
    this.comparison.element.hidden = true;
    this.tree.element.hidden = view !== 'tree';
    this.charts.element.hidden = view !== 'charts';
    for (const [name, tab] of Object.entries(this.tabs)) {
      tab.setAttribute('aria-selected', name === view ? 'true' : 'false');
      tab.classList.toggle('active', name === view);
    }
    if (view === 'charts') void this.charts.load(this.store.current.filter);
  }

  /** The selected line or its task's tree changed on the host: the same trajectory (by id) keeps its turn, the tree its zoom. */
  private onRefreshed(task: SlimTaskTreeView, fresh: TrajectoryView): void {
    const keepTurn = this.trajectory?.id === fresh.id ? this.selectedTurn : null;
    this.taskTree = task;
    this.trajectory = fresh;
    const turns = fresh.turns.map((t) => t.index);
    this.selectedTurn = keepTurn !== null && turns.includes(keepTurn) ? keepTurn : (turns[0] ?? null);
    this.tree.show(task, this.store.zoomOf(task.taskId));
    this.showSelection();
  }

  private selectRow(row: Row, index: number): void {
    this.list.setSelected(row.line, index);
    if (row.broken) {
      this.showBroken(row);
      return;
    }
    void this.select(row.line, row.taskId, row.line === this.selectedLine ? this.selectedTurn : null);
  }

  private showBroken(row: BrokenRow): void {
    this.selectionTicket++;
    this.selectedLine = row.line;
    this.selectedTurn = null;
    this.trajectory = null;
    this.store.update({ selectedLine: row.line, selectedTurn: null });
    this.rpc.emit('selection', { line: row.line, turn: null });
    const text = brokenRowText(row.line, row.message);
    this.detail.showMessage(`${text}\n\n${row.preview}`);
    this.tree.showMessage(`${text}: this line does not parse, so it has no tree.`);
  }

  /**
   * Selects a trajectory (and a turn; null: its first), loading its task's tree. A click in the
   * tree keeps the tree it came from; a selection from the list or the host fetches it fresh.
   */
  private async select(line: number, knownTaskId: string | null, turn: number | null, reuseTree = false): Promise<void> {
    const ticket = ++this.selectionTicket;
    const changedLine = line !== this.selectedLine;
    const previous = { id: this.trajectory?.line === line ? this.trajectory.id : null, turn: this.selectedTurn };
    const version = this.refresh.version;
    this.selectedLine = line;
    this.selectedTurn = turn;
    const index = changedLine ? this.rows.indexOfLine(line) : this.list.selected.index;
    this.list.setSelected(line, index);
    if (changedLine && index !== null) this.list.scrollToIndex(index);
    try {
      let taskId = knownTaskId;
      let view: TrajectoryView | null = null;
      if (taskId === null) {
        view = await this.rpc.request('getTrajectory', { line });
        if (ticket !== this.selectionTicket) return;
        taskId = view.task.id;
      }
      const cached = this.refresh.treeIsFresh && this.taskTree?.taskId === taskId && (reuseTree || !changedLine) ? this.taskTree : null;
      const task = cached ?? (await this.rpc.request('getSlimTaskTree', { taskId }));
      if (ticket !== this.selectionTicket) return;
      // The tree is slim: the full view comes from the host, unless this line's is as fresh as the cached tree.
      const reusable = cached !== null && this.trajectory?.line === line ? this.trajectory : null;
      const trajectory = view ?? reusable ?? (await this.rpc.request('getTrajectory', { line }));
      if (ticket !== this.selectionTicket) return;
      if (task !== this.taskTree) this.refresh.treeFetched(version);
      this.taskTree = task;
      this.trajectory = trajectory;
      const turns = trajectory.turns.map((t) => t.index);
      // The host re-selecting the line it shows (a finished search) keeps the turn the user is on.
      const wanted = turn ?? (previous.id === trajectory.id ? previous.turn : null);
      this.selectedTurn = wanted !== null && turns.includes(wanted) ? wanted : (turns[0] ?? null);
      this.tree.show(task, this.store.zoomOf(task.taskId));
      this.showSelection();
      if (!performance.getEntriesByName('mini-o3:first-tree').length) performance.mark('mini-o3:first-tree');
    } catch (error) {
      if (ticket !== this.selectionTicket) return;
      this.trajectory = null;
      const message = `Could not load line ${line}: ${messageOf(error)}`;
      this.tree.showMessage(message);
      this.detail.showMessage(message);
      this.store.update({ selectedLine: line, selectedTurn: turn });
    }
  }

  private setTurn(turn: number): void {
    if (!this.trajectory || !this.trajectory.turns.some((t) => t.index === turn)) return;
    this.selectedTurn = turn;
    this.showSelection();
  }

  private stepTurn(delta: number): void {
    if (!this.trajectory || this.trajectory.turns.length === 0) return;
    const indices = this.trajectory.turns.map((t) => t.index);
    const at = this.selectedTurn === null ? -1 : indices.indexOf(this.selectedTurn);
    const next = indices[Math.min(indices.length - 1, Math.max(0, at + delta))];
    if (next !== undefined && next !== this.selectedTurn) this.setTurn(next);
  }

  private showSelection(): void {
    if (!this.trajectory) return;
    this.tree.setSelection(this.trajectory.line, this.selectedTurn);
    this.detail.show(this.trajectory, this.selectedTurn);
    this.store.update({ selectedLine: this.trajectory.line, selectedTurn: this.selectedTurn });
    this.rpc.emit('selection', { line: this.trajectory.line, turn: this.selectedTurn });
  }

  private reportError(message: string): void {
    console.error(message);
    this.rpc.emit('error', { message });
  }
}
