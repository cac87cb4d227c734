import type { RowSummary, SlimTaskTreeView, TrajectoryView, WebviewEvents } from '../src/protocol';
import type { WebviewRpc } from './rpc-client';

/** Content changes (rowsChanged, live appends) re-query the list at most this often. */
const REQUERY_MS = 200;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** What the app shows now; `ticket` is bumped by every selection. */
export interface ShownSelection {
  line: number | null;
  trajectory: TrajectoryView | null;
  taskTree: SlimTaskTreeView | null;
  ticket: number;
}

export interface SelectionRefreshHost {
  readonly rpc: WebviewRpc;
  shown(): ShownSelection;
  /** Re-query the list (and the charts when shown). */
  requery(): void;
  /** A live row's new summary; nothing else is re-queried. */
  patchRow(summary: RowSummary): void;
  forgetImages(): void;
  /** The selected line and its task's tree changed: show them. */
  refreshed(task: SlimTaskTreeView, trajectory: TrajectoryView): void;
  reportError(message: string): void;
}

/**
 * Keeps what was fetched by line from going stale: the host's rowsChanged and trajectoryChanged
 * bump a content version (the cached task tree is reused only while it is as new), re-query the
 * list coalesced, and fetch the selected line and its task's tree again.
 */
export class SelectionRefresh {
  /** Bumped by every refresh of the selection; an older refresh's answer is dropped. */
  private refreshTicket = 0;
  /** Bumped when the host says content changed. */
  private contentVersion = 0;
  private taskTreeVersion = -1;
  /** The first rowsChanged answers `ready`: nothing fetched before it can be older. */
  private answeredReady = false;
  private indexing = false;
  private pendingRefresh = false;
  private requeryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly host: SelectionRefreshHost) {}

  /** The content version now: pass it to `treeFetched` once the fetch started now lands. */
  get version(): number {
    return this.contentVersion;
  }

  /** Whether the task tree shown was fetched since the last content change. */
  get treeIsFresh(): boolean {
    return this.taskTreeVersion === this.contentVersion;
  }

  treeFetched(version: number): void {
    this.taskTreeVersion = version;
  }

  dispose(): void {
    clearTimeout(this.requeryTimer);
  }

  /**
   * The document changed or reloaded: any line may hold new content, so what was fetched by line
   * is stale. The list re-queries; the selected line and its task's tree are fetched again once
   * the host is not in the middle of indexing (at its start, after a reload, and at its end).
   */
  onRowsChanged(body: WebviewEvents['rowsChanged']): void {
    const startsIndexing = body.indexing && !this.indexing;
    this.indexing = body.indexing;
    if (!this.answeredReady) {
      // The list's first query went out before `ready`: it already holds what this says, unless indexing goes on.
      this.answeredReady = true;
      if (body.indexing) this.contentChanged(false);
      return;
    }
    this.contentVersion++;
    this.host.forgetImages();
    this.contentChanged(!body.indexing || startsIndexing);
  }

  onTrajectoryChanged(body: WebviewEvents['trajectoryChanged']): void {
    this.host.patchRow(body.summary);
    this.contentVersion++;
    this.contentChanged(false);
    const shown = this.host.shown();
    const taskShown = shown.taskTree?.taskId === body.summary.taskId;
    if (!taskShown && body.line !== shown.line) return;
    // Only `body.line` changed: the selected trajectory's task is the one shown unless it is that line.
    void this.refreshSelection(body.line === shown.line ? null : (shown.taskTree?.taskId ?? null));
  }

  /** Re-queries what the list shows (and the selection when `refreshSelection`), coalesced. */
  private contentChanged(refreshSelection: boolean): void {
    clearTimeout(this.requeryTimer);
    const refresh = refreshSelection || this.pendingRefresh;
    this.pendingRefresh = refresh;
    this.requeryTimer = setTimeout(() => {
      this.pendingRefresh = false;
      this.host.requery();
      if (refresh) void this.refreshSelection(null);
    }, REQUERY_MS);
  }

  /**
   * Fetches the selected line and its task's tree again. Nothing is redrawn when nothing changed;
   * the app keeps the selected turn of the same trajectory and the tree's zoom.
   */
  private async refreshSelection(knownTaskId: string | null): Promise<void> {
    const { line, trajectory, ticket } = this.host.shown();
    if (line === null || trajectory === null) return;
    const refresh = ++this.refreshTicket;
    const version = this.contentVersion;
    const current = () => ticket === this.host.shown().ticket && refresh === this.refreshTicket;
    const { rpc } = this.host;
    try {
      let fresh = knownTaskId === null ? await rpc.request('getTrajectory', { line }) : null;
      if (!current()) return;
      const task = await rpc.request('getSlimTaskTree', { taskId: knownTaskId ?? fresh!.task.id });
      if (!current()) return;
      fresh ??= await rpc.request('getTrajectory', { line });
      if (!current()) return;
      const shown = this.host.shown();
      const unchanged = shown.taskTree !== null && sameJson(shown.taskTree, task) && shown.trajectory !== null && sameJson(shown.trajectory, fresh);
      this.taskTreeVersion = version;
      if (!unchanged) this.host.refreshed(task, fresh);
    } catch (error) {
      // A newer change makes this answer moot (the host may have dropped the model it read from); its own refresh follows.
      if (current() && version === this.contentVersion) this.host.reportError(`Could not refresh line ${line} after the file changed: ${messageOf(error)}`);
    }
  }
}
