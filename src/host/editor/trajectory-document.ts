import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RowSummary } from '../../protocol';
import type { DatasetModel } from '../../core/view/dataset-model';
import type { Trajectory } from '../../core/trajectory/schema';
import { Disposable, toDisposable } from './disposable';

/** What `backupCustomDocument` writes: there are no edits yet, so a backup only records which file it was. */
export interface TrajectoryBackupMarker {
  kind: 'mini-o3-trajectory-backup';
  version: 1;
  source: string;
  /** Always empty until editing lands; restoring re-opens the file from disk. */
  edits: [];
}

/** Disk changes are collected for this long before the file is reloaded (a writer often touches it several times). */
const RELOAD_DEBOUNCE_MS = 300;

/**
 * One `*.traj.jsonl` opened in the trajectory editor, shared by all its panels: one
 * DatasetModel (file + row index). Not read-only: edits with undo/redo, save and hot-exit
 * backups come with the next issue; until then the document is never dirty, save writes
 * nothing, save-as copies the file's bytes, and a backup is only a marker (see
 * TrajectoryBackupMarker). When the file changes on disk and the document is clean, it is
 * reloaded (re-indexed) and `onDidReload` fires.
 */
export class TrajectoryDocument extends Disposable implements vscode.CustomDocument {
  private current: DatasetModel;
  private modelListeners: (() => void)[] = [];
  private reloading: Promise<void> | null = null;
  private reloadTimer: ReturnType<typeof setTimeout> | null = null;

  private readonly reloadEmitter = this._register(new vscode.EventEmitter<DatasetModel>());
  /** The model was replaced (file changed on disk, revert, new image roots); panels re-query. */
  readonly onDidReload = this.reloadEmitter.event;
  private readonly progressEmitter = this._register(new vscode.EventEmitter<void>());
  /** Rows were summarized (unthrottled: every indexing batch). */
  readonly onDidChangeRows = this.progressEmitter.event;
  private readonly rowEmitter = this._register(new vscode.EventEmitter<{ line: number; summary: RowSummary }>());
  /** One line's trajectory changed outside indexing (a live search). */
  readonly onDidChangeRow = this.rowEmitter.event;
  private readonly disposeEmitter = this._register(new vscode.EventEmitter<void>());
  readonly onDidDispose = this.disposeEmitter.event;

  private constructor(readonly uri: vscode.Uri, model: DatasetModel, private imageRoots: readonly string[]) {
    super();
    this.current = model;
    this.listenTo(model);
    this._register(toDisposable(() => this.modelListeners.forEach((off) => off())));
    const watcher = this._register(vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(path.dirname(uri.fsPath)), path.basename(uri.fsPath))));
    this._register(watcher.onDidChange(() => this.scheduleReload()));
    this._register(watcher.onDidCreate(() => this.scheduleReload()));
    this._register(toDisposable(() => this.reloadTimer && clearTimeout(this.reloadTimer)));
  }

  /**
   * Opens the file and starts indexing. A `backupId` (hot exit) names a TrajectoryBackupMarker;
   * it holds no edits yet, so the file is simply opened from disk.
   */
  static async create(uri: vscode.Uri, imageRoots: readonly string[]): Promise<TrajectoryDocument> {
    if (uri.scheme !== 'file') throw new Error(`${uri.toString()}: the trajectory editor opens files on disk only (scheme "${uri.scheme}")`);
    const { DatasetModel } = await import('../../core/view/dataset-model');
    const model = await DatasetModel.open(uri.fsPath, { imageRoots });
    return new TrajectoryDocument(uri, model, imageRoots);
  }

  get model(): DatasetModel {
    return this.current;
  }

  get roots(): readonly string[] {
    return this.imageRoots;
  }

  /** Never true until edits exist. */
  get isDirty(): boolean {
    return false;
  }

  /** Re-opens the file (and re-indexes it); with `imageRoots`, under new allowed image folders. */
  reload(imageRoots?: readonly string[]): Promise<void> {
    if (imageRoots) this.imageRoots = imageRoots;
    const run = async () => {
      const { DatasetModel } = await import('../../core/view/dataset-model');
      const next = await DatasetModel.open(this.uri.fsPath, { imageRoots: this.imageRoots });
      if (this.isDisposed) {
        await next.close();
        return;
      }
      const previous = this.current;
      this.current = next;
      this.listenTo(next);
      this.reloadEmitter.fire(next);
      await previous.close();
    };
    const chained = (this.reloading ?? Promise.resolve()).then(run, run).finally(() => {
      if (this.reloading === chained) this.reloading = null;
    });
    this.reloading = chained;
    return chained;
  }

  /** Shows a trajectory that a running search is writing; every panel of the document updates. */
  putLiveTrajectory(trajectory: Trajectory, line?: number): Promise<RowSummary> {
    return this.current.putLiveTrajectory(trajectory, line);
  }

  /** Nothing to write while there are no edits: the file on disk is the document. */
  async save(_cancellation?: vscode.CancellationToken): Promise<void> {
    // Edits arrive with the next issue; until then the document always equals the file.
  }

  /** Copies the file's bytes to `target` (unknown fields and broken lines included, unchanged). */
  async saveAs(target: vscode.Uri, _cancellation?: vscode.CancellationToken): Promise<void> {
    if (target.toString() === this.uri.toString()) return;
    await vscode.workspace.fs.copy(this.uri, target, { overwrite: true });
  }

  /** Writes a TrajectoryBackupMarker (there are no unsaved edits to keep yet). */
  async backup(destination: vscode.Uri): Promise<vscode.CustomDocumentBackup> {
    const marker: TrajectoryBackupMarker = { kind: 'mini-o3-trajectory-backup', version: 1, source: this.uri.toString(), edits: [] };
    await vscode.workspace.fs.writeFile(destination, Buffer.from(JSON.stringify(marker)));
    return {
      id: destination.toString(),
      delete: () => {
        void vscode.workspace.fs.delete(destination).then(undefined, () => undefined);
      },
    };
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.disposeEmitter.fire();
    const model = this.current;
    super.dispose();
    void model.close();
  }

  private listenTo(model: DatasetModel): void {
    this.modelListeners.forEach((off) => off());
    this.modelListeners = [
      model.onProgress(() => this.progressEmitter.fire()),
      model.onRowChanged((change) => this.rowEmitter.fire(change)),
    ];
  }

  private scheduleReload(): void {
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = null;
      void this.reloadIfChanged();
    }, RELOAD_DEBOUNCE_MS);
  }

  private async reloadIfChanged(): Promise<void> {
    if (this.isDisposed || this.isDirty) return;
    if (!(await this.current.changedOnDisk())) return;
    await this.reload().catch((error: unknown) => {
      void vscode.window.showWarningMessage(`Mini-o3: could not reload ${path.basename(this.uri.fsPath)}: ${error instanceof Error ? error.message : String(error)}`);
    });
  }
}
