import { appendFileSync, readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { RpcEndpoint } from '../../src/shared/rpc';
import { slimTaskTreeOf } from '../../src/core/view/slim-task-tree';
import type { Envelope, HostEvents, HostRequests, RowSummary, TaskTreeView, TrajectoryView, WebviewEvents } from '../../src/protocol';
import { TrajectoryFile, resolveDatasetPath, type ValidRecord } from '../../src/core/store';
import { analyzeRecord, ImageSizeLookup, type AnalyzedRecord } from '../../src/core/analysis/analyze-record';
import type { Trajectory } from '../../src/core/trajectory/schema';
import { ImageMaker, type ImageOutput } from './stand-in/images';
import { RowQueryEngine, type RowEntry } from './stand-in/row-query';
import { rowSummaryOf, trajectoryViewOf } from './stand-in/trajectory-view';
import { editRequestHandlers } from './stand-in/edit-requests';
import { staleTurns } from '../../src/core/edit';

type AsMap<T> = { [K in keyof T]: T[K] };
type HostRpc = RpcEndpoint<Record<string, never>, AsMap<HostRequests>, AsMap<WebviewEvents>, AsMap<HostEvents>>;

/**
 * The extension host's side of the protocol, answered from a real `*.traj.jsonl` file through
 * the real core (store, analyzeRecord, replay, tree data), so the webview under test sees
 * what it would see in VS Code. Live appends change a trajectory in memory and announce it.
 */
export class HostStandIn {
  readonly rpc: HostRpc;
  readonly selections: HostEvents['selection'][] = [];
  readonly errors: string[] = [];
  readonly revealed: number[] = [];
  /** `regenerateFromTurn` requests (the host would run the command). */
  readonly regenerated: { line: number; turn: number }[];
  /** What `init` says (a read-only file system). */
  readonly = false;
  /** What `getLabelSet` answers (null: the default of `miniO3.reviewLabels` in package.json). */
  labelSet: string[] | null = null;
  /** Requests seen, by name (for assertions about lazy loading). */
  readonly requests: { name: string; params: unknown }[] = [];
  private sink: (envelope: Envelope) => void = () => undefined;
  private readonly entries: RowEntry[] = [];
  private readonly replacedFiles: TrajectoryFile[] = [];
  /** Trajectories changed in memory (live appends); every other line is read from the file when asked for. */
  private readonly changed = new Map<number, ValidRecord>();
  readonly queries = new RowQueryEngine(() => this.entries);
  private readonly sizes = new ImageSizeLookup();
  readonly images: ImageMaker;

  private constructor(private file: TrajectoryFile, images: ImageOutput) {
    this.images = new ImageMaker(images);
    this.rpc = new RpcEndpoint((envelope) => this.sink(envelope), 30_000);
    const log = <K extends keyof HostRequests & string>(name: K, handler: (params: HostRequests[K]['params']) => Promise<HostRequests[K]['result']> | HostRequests[K]['result']) => {
      this.rpc.handle(name, (params) => {
        this.requests.push({ name, params });
        return handler(params);
      });
    };
    log('queryRows', (q) => this.queries.query(q));
    log('getTrajectory', async ({ line }) => (await this.load(line)).view);
    log('getTaskTree', ({ taskId }) => this.taskTree(taskId));
    log('getSlimTaskTree', async ({ taskId }) => slimTaskTreeOf(await this.taskTree(taskId)));
    log('getImage', async (request) => {
      const { view, record } = await this.load(request.line);
      return this.images.make(request, view, this.originalPath(record));
    });
    log('getCharts', ({ filter }) => this.queries.charts(filter));
    log('revealLine', ({ line }) => {
      this.revealed.push(line);
      return null;
    });
    const labels = () => this.labelSet;
    const edits = editRequestHandlers(
      {
        record: (line) => this.record(line),
        view: async (line) => (await this.load(line)).view,
        replace: (line, trajectory) => this.replace(line, trajectory),
        originalPath: (record) => this.originalPath(record),
        queries: this.queries,
        images: this.images,
        get labels() {
          return labels();
        },
      },
      'Test Annotator',
    );
    this.regenerated = edits.regenerated;
    log('applyEdit', edits.applyEdit);
    log('previewCrop', edits.previewCrop);
    log('reviewQueue', edits.reviewQueue);
    log('getLabelSet', edits.getLabelSet);
    log('regenerateFromTurn', edits.regenerateFromTurn);
    log('turnDiff', edits.turnDiff);
    log('compare', edits.compare);
    this.rpc.on('ready', () => {
      // As the real host: init, then rowsChanged with what the model holds.
      this.rpc.emit('init', { fileName: basename(this.file.path), readonly: this.readonly, keybindingsHelp: true });
      this.rpc.emit('rowsChanged', { total: this.entries.length, indexing: false });
    });
    this.rpc.on('selection', (body) => this.selections.push(body));
    this.rpc.on('error', (body) => this.errors.push(body.message));
  }

  static async open(path: string, images: ImageOutput): Promise<HostStandIn> {
    const host = new HostStandIn(await TrajectoryFile.open(path), images);
    await host.index();
    return host;
  }

  private async index(): Promise<void> {
    const path = this.file.path;
    for await (const record of this.file.records()) {
      if (!record.ok) {
        if (record.blank) continue;
        this.entries.push({ row: { line: record.line, broken: true, message: `${path}:${record.line}: ${record.finding.message}`, preview: record.text.slice(0, 200) }, maxTurns: null });
        continue;
      }
      this.remember(record, await analyzeRecord(record, path, this.sizes));
    }
  }

  /** Where the webview's messages go in. */
  receive(message: unknown): Promise<void> {
    return this.rpc.receive(message);
  }

  /** Where the host's messages go out (to the page). */
  connect(sink: (envelope: Envelope) => void): void {
    this.sink = sink;
  }

  async close(): Promise<void> {
    this.rpc.close();
    for (const file of [...this.replacedFiles, this.file]) await file.close();
  }

  /** The answers the webview gets, for tests to compare what it shows against. */
  query(q: Parameters<RowQueryEngine['query']>[0]): ReturnType<RowQueryEngine['query']> {
    return this.queries.query(q);
  }

  charts(filter: Parameters<RowQueryEngine['charts']>[0]): ReturnType<RowQueryEngine['charts']> {
    return this.queries.charts(filter);
  }

  get rowCount(): number {
    return this.entries.length;
  }

  async trajectory(line: number): Promise<Trajectory> {
    return (await this.record(line)).trajectory;
  }

  /** Live search: a turn is appended to an open trajectory; the host announces it. */
  async appendTurn(line: number, text: string): Promise<RowSummary> {
    const record = await this.record(line);
    const summary = await this.replace(line, { ...record.trajectory, turns: [...record.trajectory.turns, { text }] });
    this.rpc.emit('trajectoryChanged', { line, summary });
    return summary;
  }

  /**
   * A running search's snapshot, as the real host's `putLiveTrajectory`: shown at `line`, or on a
   * new line after the last; announced with trajectoryChanged, then rowsChanged.
   */
  async putLiveTrajectory(trajectory: Trajectory, line?: number): Promise<RowSummary> {
    const at = line ?? Math.max(this.file.lineCount, ...this.entries.map((e) => e.row.line), ...this.changed.keys()) + 1;
    if (!this.changed.has(at) && at > this.file.lineCount) {
      const json = JSON.stringify(trajectory);
      this.changed.set(at, { ok: true, line: at, trajectory, raw: JSON.parse(json) as ValidRecord['raw'], bytes: Buffer.from(json) });
    }
    const summary = await this.replace(at, trajectory);
    this.rpc.emit('trajectoryChanged', { line: at, summary });
    this.rpc.emit('rowsChanged', { total: this.entries.length, indexing: false });
    return summary;
  }

  /**
   * A search finished: its trajectory is appended to the file, and the document reloads (a new
   * model: live rows and unsaved changes are gone, every line is read again), then rowsChanged.
   * Returns the appended line.
   */
  async appendToFileAndReload(trajectory: Trajectory): Promise<number> {
    const path = this.file.path;
    const text = readFileSync(path, 'utf8');
    appendFileSync(path, `${text.length > 0 && !text.endsWith('\n') ? '\n' : ''}${JSON.stringify(trajectory)}\n`);
    // Requests in flight may still read the old file (the real host's old model): closed with the host.
    this.replacedFiles.push(this.file);
    this.file = await TrajectoryFile.open(path);
    this.changed.clear();
    this.entries.length = 0;
    await this.index();
    this.queries.invalidate();
    this.rpc.emit('rowsChanged', { total: this.entries.length, indexing: false });
    return this.file.lineCount;
  }

  /** The host asks the webview to select a line (the search runner does when a search starts and ends). */
  select(line: number, turn?: number): void {
    this.rpc.emit('select', turn === undefined ? { line } : { line, turn });
  }

  /** The document's dirty state changed (an edit, a save, an undo back to the saved state). */
  setDirty(dirty: boolean): void {
    this.rpc.emit('dirtyChanged', { dirty });
  }

  /** The line now holds `trajectory` (in memory, like an unsaved document). */
  private async replace(line: number, trajectory: Trajectory): Promise<RowSummary> {
    const record = await this.record(line);
    const changed: ValidRecord = { ...record, trajectory, raw: JSON.parse(JSON.stringify(trajectory)) as ValidRecord['raw'] };
    this.changed.set(line, changed);
    return this.remember(changed, await analyzeRecord(changed, this.file.path, this.sizes));
  }

  private remember(record: ValidRecord, analyzed: AnalyzedRecord): RowSummary {
    const summary = rowSummaryOf(analyzed);
    const entry: RowEntry = { row: summary, maxTurns: analyzed.summary?.maxTurns ?? null };
    const last = this.entries.at(-1);
    const at = !last || last.row.line < record.line ? -1 : this.entries.findIndex((e) => e.row.line === record.line);
    if (at >= 0) this.entries[at] = entry;
    else this.entries.push(entry);
    this.queries.invalidate();
    return summary;
  }

  private async record(line: number): Promise<ValidRecord> {
    const record = this.changed.get(line) ?? (await this.file.get(line - 1));
    if (!record.ok) throw new Error(`line ${line} holds no valid trajectory`);
    return record;
  }

  private async load(line: number): Promise<{ record: ValidRecord; view: TrajectoryView }> {
    const record = await this.record(line);
    const view = trajectoryViewOf(record, await analyzeRecord(record, this.file.path, this.sizes));
    const original = view.observations.find((o) => o.index === 0);
    if (original) for (const index of staleTurns(record.trajectory, original.size)) view.turns[index]!.stale = true;
    return { record, view };
  }

  async taskTree(taskId: string): Promise<TaskTreeView> {
    const lines = this.entries.filter((e) => !e.row.broken && e.row.taskId === taskId).map((e) => e.row.line);
    const trajectories: TrajectoryView[] = [];
    for (const line of lines) trajectories.push((await this.load(line)).view);
    return { taskId, trajectories };
  }

  private originalPath(record: ValidRecord): string | Error {
    const t = record.trajectory;
    const line = record.line;
    try {
      return resolveDatasetPath(dirname(this.file.path), t.task.images[0]!, { file: this.file.path, line, field: 'task.images.0' });
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }
}
