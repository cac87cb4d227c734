import { basename } from 'node:path';
import type { DatasetChartsView, ImageRequest, RowFilter, RowQuery, RowSummary, SlimTaskTreeView, TaskTreeView, TrajectoryView, Row } from '../../protocol';
import { analyzeRecord, ImageSizeLookup, type AnalyzedRecord } from '../analysis/analyze-record';
import { saveTrajectoryFile, TrajectoryFile, type SaveResult, type TrajectoryRecord, type ValidRecord } from '../store';
import { formatFinding } from '../trajectory/findings';
import type { Trajectory } from '../trajectory/schema';
import { validateTrajectoryValue } from '../trajectory/validate';
import { staleTurns } from '../edit/stale';
import { buildCharts } from './charts';
import { writeEditedCopy } from './edited-copy';
import { imageErrorMessage, imageJobFor } from './image-job';
import type { ImageRenderer } from './image-renderer';
import { Listeners } from './listeners';
import { RowIndex, type RowQueryResult } from './row-index';
import { slimTaskTreeOf } from './slim-task-tree';
import { brokenMessage, indexRows } from './row-indexer';
import { buildTrajectoryView } from './trajectory-view';

export interface DatasetModelOptions {
  /** Folders besides the file's own that image paths may point into (the user's `miniO3.imageRoots`). */
  imageRoots?: readonly string[];
  /** The file as messages name it; default: its base name. */
  displayName?: string;
}

/** A picture for the webview: a file path, or why there is none. */
export interface ImageResult {
  path: string | null;
  width: number;
  height: number;
  error?: string;
}

/** Rollouts and forks of one task shown together; more would not fit a tree anyway. */
export const MAX_TREE_TRAJECTORIES = 200;
const ANALYZED_CACHE = 64;

interface Analyzed {
  record: ValidRecord;
  analyzed: AnalyzedRecord;
}

/**
 * One open trajectory file as the viewer sees it, without VS Code: the row index (built in the
 * background), trajectory views, task trees, charts and pictures, and trajectories that a
 * running search streams in before they reach the file ("live" lines).
 */
export class DatasetModel {
  readonly rows = new RowIndex();
  readonly displayName: string;
  /** Resolves when every line is summarized (or indexing stopped: see `indexError`). */
  readonly indexed: Promise<void>;
  private readonly sizes = new ImageSizeLookup();
  private readonly live = new Map<number, ValidRecord>();
  /** Unsaved edits shown over the file's lines (the document owns the undo history). */
  private readonly edited = new Map<number, ValidRecord>();
  /** Recently analyzed lines (the tree asks for many pictures of one trajectory); Map order is recency. */
  private readonly analyzedLines = new Map<number, Promise<Analyzed>>();
  private readonly stop = new AbortController();
  private readonly progress = new Listeners<void>();
  private readonly rowChanges = new Listeners<{ line: number; summary: RowSummary }>();
  private indexingDone = false;
  private failure: string | null = null;
  private closed = false;

  private constructor(readonly path: string, private readonly file: TrajectoryFile, private readonly imageRoots: readonly string[], displayName: string) {
    this.displayName = displayName;
    this.indexed = indexRows(file, this.rows, {
      displayName,
      signal: this.stop.signal,
      summarize: async (record) => (await analyzeRecord(record, path, this.sizes, { imageRoots })).summary!,
      onProgress: () => this.progress.fire(),
    }).then(
      () => undefined,
      (error: unknown) => {
        if (!this.closed) this.failure = `${displayName}: indexing stopped: ${error instanceof Error ? error.message : String(error)}`;
      },
    ).finally(() => {
      this.indexingDone = true;
      this.progress.fire();
    });
  }

  /** Opens the file and starts summarizing it in the background; returns at once. */
  static async open(path: string, options: DatasetModelOptions = {}): Promise<DatasetModel> {
    const file = await TrajectoryFile.openStreaming(path);
    return new DatasetModel(path, file, options.imageRoots ?? [], options.displayName ?? basename(path));
  }

  get indexing(): boolean {
    return !this.indexingDone;
  }

  /** Roughly how much of the file is summarized (0..1): rows over lines found, times bytes scanned. */
  get indexedFraction(): number {
    if (!this.indexing) return 1;
    const lines = this.file.lineCount;
    const scanned = this.file.totalBytes > 0 ? this.file.indexedBytes / this.file.totalBytes : 1;
    return lines === 0 ? 0 : Math.min(1, (this.rows.size / lines) * scanned);
  }

  /** True when the file's size or modification time differ from when it was opened. */
  async changedOnDisk(): Promise<boolean> {
    try {
      await this.file.assertUnchangedOnDisk();
      return false;
    } catch {
      return true;
    }
  }

  /** Why indexing stopped early (the file could not be read), or null. */
  get indexError(): string | null {
    return this.failure;
  }

  /** Rows were added (each batch while indexing, and once when it ends). */
  onProgress(listener: () => void): () => void {
    return this.progress.add(listener);
  }

  /** A line's summary changed outside indexing (a live trajectory). */
  onRowChanged(listener: (change: { line: number; summary: RowSummary }) => void): () => void {
    return this.rowChanges.add(listener);
  }

  query(q: RowQuery): RowQueryResult & { indexing: boolean } {
    return { ...this.rows.query(q), indexing: this.indexing };
  }

  charts(filter: RowFilter): DatasetChartsView {
    return buildCharts(this.rows.chartInputs(filter));
  }

  async trajectoryView(line: number): Promise<TrajectoryView> {
    return this.viewOf(await this.analyzedAt(line));
  }

  /** Every trajectory of the task (rollouts and forks), in file order, at most MAX_TREE_TRAJECTORIES. */
  async taskTree(taskId: string): Promise<TaskTreeView> {
    const lines = this.rows.linesOfTask(taskId).slice(0, MAX_TREE_TRAJECTORIES);
    const trajectories: TrajectoryView[] = [];
    for (const line of lines) {
      trajectories.push(this.viewOf(await this.analyzedAt(line)));
    }
    return { taskId, trajectories };
  }

  /** The task tree with only what the search tree draws (a 10,000-node tree's full views are ~12 MB). */
  async slimTaskTree(taskId: string): Promise<SlimTaskTreeView> {
    return slimTaskTreeOf(await this.taskTree(taskId));
  }

  /** Makes (or finds in the cache) a picture; failures come back as `error` text for the image slot. */
  async image(request: ImageRequest, renderer: ImageRenderer): Promise<ImageResult> {
    return this.render(request, renderer, () => this.analyzedAt(request.line));
  }

  /**
   * The picture `request` names, made for `trajectory` shown at `request.line` without keeping
   * it (a live re-crop while a box is dragged). Cached by content like every picture.
   */
  hypotheticalImage(trajectory: Trajectory, request: ImageRequest, renderer: ImageRenderer): Promise<ImageResult> {
    return this.render(request, renderer, async () => {
      const record = this.validRecord(trajectory, request.line);
      return { record, analyzed: await analyzeRecord(record, this.path, this.sizes, { imageRoots: this.imageRoots }) };
    });
  }

  /** The observation a turn of `trajectory` creates when replayed (undefined: the call fails). */
  async observationOfTurn(trajectory: Trajectory, line: number, turn: number): Promise<number | undefined> {
    const record = this.validRecord(trajectory, line);
    const analyzed = await analyzeRecord(record, this.path, this.sizes, { imageRoots: this.imageRoots });
    return analyzed.replay?.turns[turn]?.observationIndex;
  }

  private async render(request: ImageRequest, renderer: ImageRenderer, source: () => Promise<Analyzed>): Promise<ImageResult> {
    let size = { width: 0, height: 0 };
    try {
      const { record, analyzed } = await source();
      const job = imageJobFor(request, record, analyzed, { file: this.path, displayName: this.displayName, imageRoots: this.imageRoots });
      const observation = analyzed.replay?.observations[job.observation];
      if (observation) size = { width: observation.size.width, height: observation.size.height };
      return await renderer.render(job);
    } catch (error) {
      return { path: null, ...size, error: imageErrorMessage(error, this.displayName, request.line) };
    }
  }

  /**
   * Puts a trajectory that a running search is writing (turn by turn) into the view: at `line`
   * (replacing what the row showed) or, without one, on a new line after the file's last.
   * The file is not touched; the writer appends it when it is done.
   */
  async putLiveTrajectory(trajectory: Trajectory, line?: number): Promise<RowSummary> {
    if (line === undefined) {
      await this.indexed;
      line = Math.max(this.file.lineCount, this.rows.lineCount, ...this.live.keys()) + 1;
    }
    if (!Number.isSafeInteger(line) || line < 1) throw new RangeError(`live trajectory line must be a whole number >= 1, got ${line}`);
    const record = this.validRecord(trajectory, line);
    this.live.set(line, record);
    const analyzed = analyzeRecord(record, this.path, this.sizes, { imageRoots: this.imageRoots }).then((a) => ({ record, analyzed: a }));
    this.remember(line, analyzed);
    const summary = (await analyzed).analyzed.summary!;
    this.rows.setSummary(summary);
    const row = this.rows.get(line) as RowSummary;
    this.rowChanges.fire({ line, summary: row });
    this.progress.fire();
    return row;
  }

  /**
   * Shows an edited trajectory at `line` in place of the file's (null: the file's own line
   * again). The row index entry, the views and pictures of the line follow; onRowChanged fires.
   */
  async setEditedLine(line: number, trajectory: Trajectory | null): Promise<RowSummary> {
    if (trajectory === null) this.edited.delete(line);
    else this.edited.set(line, this.validRecord(trajectory, line));
    this.analyzedLines.delete(line);
    const { analyzed } = await this.analyzedAt(line);
    this.rows.setSummary(analyzed.summary!);
    const row = this.rows.get(line) as RowSummary;
    this.rowChanges.fire({ line, summary: row });
    this.progress.fire();
    return row;
  }

  /** What an edit of `line` starts from: the trajectory shown (edits included) and its original image's size when known. */
  async editTarget(line: number): Promise<{ trajectory: Trajectory; originalSize: { width: number; height: number } | null }> {
    const { record, analyzed } = await this.analyzedAt(line);
    const original = analyzed.replay?.observations[0];
    return { trajectory: record.trajectory, originalSize: original ? { width: original.size.width, height: original.size.height } : null };
  }

  /**
   * Writes `changes` (0-based line index -> value) into the file atomically: only those lines
   * are rewritten. Refuses when the file changed on disk since it was read. Afterwards the file
   * holds what was shown, so the edited overlay is dropped.
   */
  async saveEdits(changes: ReadonlyMap<number, unknown>): Promise<SaveResult> {
    const result = await saveTrajectoryFile(this.file, changes);
    this.edited.clear();
    return result;
  }

  /** Writes the file with `changes` to another path (Save As); this document's file is not touched. */
  saveEditedCopy(target: string, changes: ReadonlyMap<number, unknown>): Promise<number> {
    return writeEditedCopy(this.file, target, changes);
  }

  /** Throws (naming the file) when it changed on disk since it was read. */
  assertUnchangedOnDisk(): Promise<void> {
    return this.file.assertUnchangedOnDisk();
  }

  /** The row of a line, once summarized. */
  row(line: number): Row | undefined {
    return this.rows.get(line);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stop.abort();
    this.progress.clear();
    this.rowChanges.clear();
    await this.file.close();
    await this.indexed;
  }

  /** The view, with turns that rest on an edited earlier crop marked stale. */
  private viewOf({ record, analyzed }: Analyzed): TrajectoryView {
    const view = buildTrajectoryView({ record, analyzed, displayName: this.displayName });
    const original = analyzed.replay?.observations[0];
    if (original && view.turns.some((turn) => turn.edited)) {
      for (const index of staleTurns(record.trajectory, original.size)) {
        const turn = view.turns[index];
        if (turn) turn.stale = true;
      }
    }
    return view;
  }

  private validRecord(trajectory: Trajectory, line: number): ValidRecord {
    const text = JSON.stringify(trajectory);
    const raw: unknown = JSON.parse(text);
    const checked = validateTrajectoryValue(raw, this.displayName, line);
    if (!checked.ok) throw new Error(checked.findings.map(formatFinding).join('\n') || `${this.displayName}:${line}: not a valid trajectory`);
    return { line, ok: true, trajectory: checked.trajectory, raw: raw as Record<string, unknown>, bytes: Buffer.from(text) };
  }

  private analyzedAt(line: number): Promise<Analyzed> {
    const known = this.analyzedLines.get(line);
    if (known) {
      this.remember(line, known);
      return known;
    }
    const pending = this.analyze(line);
    // A failure is not remembered: the next request reads the line again.
    pending.catch(() => {
      if (this.analyzedLines.get(line) === pending) this.analyzedLines.delete(line);
    });
    this.remember(line, pending);
    return pending;
  }

  private remember(line: number, analyzed: Promise<Analyzed>): void {
    this.analyzedLines.delete(line);
    this.analyzedLines.set(line, analyzed);
    if (this.analyzedLines.size > ANALYZED_CACHE) this.analyzedLines.delete(this.analyzedLines.keys().next().value!);
  }

  private async analyze(line: number): Promise<Analyzed> {
    const record = await this.recordAt(line);
    if (!record.ok) throw new Error(brokenMessage(record, this.displayName));
    return { record, analyzed: await analyzeRecord(record, this.path, this.sizes, { imageRoots: this.imageRoots }) };
  }

  private async recordAt(line: number): Promise<TrajectoryRecord> {
    const shown = this.edited.get(line) ?? this.live.get(line);
    if (shown) return shown;
    if (!Number.isSafeInteger(line) || line < 1) throw new RangeError(`${this.displayName}: line must be a whole number >= 1, got ${line}`);
    try {
      return await this.file.get(line - 1);
    } catch (error) {
      if (error instanceof RangeError) throw new RangeError(`${this.displayName}: there is no line ${line} (the file has ${this.file.lineCount} lines)`);
      throw error;
    }
  }
}
