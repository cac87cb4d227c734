import { mkdtemp } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RowSummary } from '../../protocol';
import type { DatasetModel } from '../../core/view/dataset-model';
import type { Trajectory } from '../../core/trajectory/schema';
import { EditedLines, type EditEntry, type NewEdit } from '../../core/view/edited-lines';
import { Disposable, toDisposable } from './disposable';
import { parseEditLog, serializeEditLog } from '../../core/edit/edit-log';
import { restoreEditLog, type RestoredEdits } from './document-backup';
import { changedOnDiskSaveMessage, decideExternalChange, EXTERNAL_CHANGE_CHOICES, externalChangeChoice, externalChangeQuestion, saveFailedMessage } from './external-change';

/** Disk changes are collected for this long before the file is reloaded (a writer often touches it several times). */
const RELOAD_DEBOUNCE_MS = 300;

/** An edit as VS Code's undo stack holds it (the provider forwards it as onDidChangeCustomDocument). */
export interface DocumentEditEvent {
  label: string;
  undo(): Promise<void>;
  redo(): Promise<void>;
}

/**
 * One `*.traj.jsonl` opened in the trajectory editor, shared by all its panels: one
 * DatasetModel (file + row index) and the unsaved edits over it (EditedLines: line -> edited
 * trajectory, undo history, the op log a hot-exit backup holds). Save rewrites only the edited
 * lines (atomically, refusing when the file changed on disk); Save As writes a full copy with
 * the edits; revert drops them. When the file changes on disk: reloaded silently when clean,
 * the user is asked when dirty.
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
  private readonly editEmitter = this._register(new vscode.EventEmitter<DocumentEditEvent>());
  /** A new edit (for VS Code's undo stack). */
  readonly onDidEdit = this.editEmitter.event;
  private readonly dirtyEmitter = this._register(new vscode.EventEmitter<boolean>());
  /** The dirty state flipped (an edit, undo back to the saved state, save, revert). */
  readonly onDidChangeDirty = this.dirtyEmitter.event;

  readonly edits = new EditedLines();
  private saving = false;
  private asking = false;

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

  /** Opens the file and starts indexing. */
  static async create(uri: vscode.Uri, imageRoots: readonly string[]): Promise<TrajectoryDocument> {
    if (uri.scheme !== 'file') throw new Error(`${uri.toString()}: the trajectory editor opens files on disk only (scheme "${uri.scheme}")`);
    const { DatasetModel } = await import('../../core/view/dataset-model');
    const model = await DatasetModel.open(uri.fsPath, { imageRoots });
    return new TrajectoryDocument(uri, model, imageRoots);
  }

  /**
   * Hot exit: re-applies the backup's edit log to the file's lines. Edits that no longer apply
   * (the file changed since) are skipped and returned with their reasons; the document is
   * dirty when anything was restored. Restored edits are not on VS Code's undo stack (a
   * restored document starts with an empty one) but are kept for the next backup.
   */
  async restoreBackup(backupUri: vscode.Uri): Promise<{ restoredEdits: number; failures: RestoredEdits['failures'] }> {
    const text = Buffer.from(await vscode.workspace.fs.readFile(backupUri)).toString('utf8');
    const entries = parseEditLog(text, `hot-exit backup of ${path.basename(this.uri.fsPath)}`);
    if (entries.length === 0) return { restoredEdits: 0, failures: [] };
    const model = this.current;
    await model.indexed;
    const restored = await restoreEditLog(entries, async (line) => (await model.editTarget(line)).trajectory, model.displayName);
    const wasDirty = this.edits.dirty;
    for (const { entry, before, after } of restored.applied) {
      this.edits.push({ ...entry, before, after });
    }
    for (const line of new Set(restored.applied.map((a) => a.entry.line))) {
      await model.setEditedLine(line, this.edits.get(line) ?? null);
    }
    if (this.edits.dirty !== wasDirty) this.dirtyEmitter.fire(this.edits.dirty);
    return { restoredEdits: restored.applied.length, failures: restored.failures };
  }

  get model(): DatasetModel {
    return this.current;
  }

  get roots(): readonly string[] {
    return this.imageRoots;
  }

  get isDirty(): boolean {
    return this.edits.dirty;
  }

  /** Shows `edit.after` at its line and puts the edit on the undo stack (VS Code's, through onDidEdit). */
  async commitEdit(edit: NewEdit): Promise<{ entry: EditEntry; summary: RowSummary }> {
    const summary = await this.current.setEditedLine(edit.line, edit.after);
    const wasDirty = this.edits.dirty;
    const entry = this.edits.push(edit);
    this.editEmitter.fire({
      label: entry.label,
      undo: () => this.step(entry, 'undo'),
      redo: () => this.step(entry, 'redo'),
    });
    if (this.edits.dirty !== wasDirty) this.dirtyEmitter.fire(this.edits.dirty);
    return { entry, summary };
  }

  private async step(entry: EditEntry, direction: 'undo' | 'redo'): Promise<void> {
    const wasDirty = this.edits.dirty;
    if (direction === 'undo') this.edits.undo(entry);
    else this.edits.redo(entry);
    await this.current.setEditedLine(entry.line, this.edits.get(entry.line) ?? null);
    if (this.edits.dirty !== wasDirty) this.dirtyEmitter.fire(this.edits.dirty);
  }

  /**
   * Re-opens the file (and re-indexes it); with `imageRoots`, under new allowed image folders.
   * `keepEdits` (new image roots: the file is the same) shows the edited lines over the new model.
   */
  reload(imageRoots?: readonly string[], { keepEdits = false } = {}): Promise<void> {
    if (imageRoots) this.imageRoots = imageRoots;
    const run = async () => {
      const { DatasetModel } = await import('../../core/view/dataset-model');
      const next = await DatasetModel.open(this.uri.fsPath, { imageRoots: this.imageRoots });
      if (this.isDisposed) {
        await next.close();
        return;
      }
      if (keepEdits) {
        for (const line of this.edits.lines()) await next.setEditedLine(line, this.edits.get(line)!);
      } else {
        this.dropEdits();
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

  /**
   * Rewrites the edited lines in place (atomically; every other line keeps its bytes). Refuses
   * when the file changed on disk since it was read, offering Save As; any failure (read-only
   * folder, full disk) keeps the edits in memory and in the backup, and rejects so VS Code keeps
   * the document dirty.
   */
  async save(_cancellation?: vscode.CancellationToken): Promise<void> {
    const name = path.basename(this.uri.fsPath);
    if (this.edits.size === 0) {
      // Undo back to the file's lines (or only redone-and-undone edits): nothing to write.
      this.markClean();
      return;
    }
    if (await this.current.changedOnDisk()) {
      const message = changedOnDiskSaveMessage(name);
      void vscode.window.showErrorMessage(message, 'Save As…').then((choice) => choice && vscode.commands.executeCommand('workbench.action.files.saveAs'));
      throw new Error(message);
    }
    this.saving = true;
    try {
      await this.current.saveEdits(this.edits.changes());
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const message = saveFailedMessage(name, reason);
      void vscode.window.showErrorMessage(message, 'Save As…').then((choice) => choice && vscode.commands.executeCommand('workbench.action.files.saveAs'));
      throw new Error(message, { cause: error });
    } finally {
      // The watcher reports our own rename a moment later; the store has re-read the file by then.
      setTimeout(() => (this.saving = false), RELOAD_DEBOUNCE_MS * 2);
    }
    this.markClean();
  }

  /** Writes the document (file + edits) to `target`; this file is not touched and the edits stay. */
  async saveAs(target: vscode.Uri, cancellation?: vscode.CancellationToken): Promise<void> {
    if (target.toString() === this.uri.toString()) return this.save(cancellation);
    if (target.scheme !== 'file') throw new Error(`${target.toString()}: Save As writes to files on disk only`);
    await this.current.saveEditedCopy(target.fsPath, this.edits.changes());
  }

  /** Drops the edits and reads the file again. */
  async revert(): Promise<void> {
    await this.reload();
  }

  /** Writes the edit log (JSON) since the file was read: restoring re-applies it to the file's lines. */
  async backup(destination: vscode.Uri): Promise<vscode.CustomDocumentBackup> {
    const text = serializeEditLog(this.edits.logSinceSave().entries);
    await vscode.workspace.fs.writeFile(destination, Buffer.from(text));
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
    if (this.isDisposed || this.asking) return;
    const action = decideExternalChange({ changedOnDisk: await this.current.changedOnDisk(), dirty: this.isDirty, saving: this.saving });
    if (action === 'ignore') return;
    if (action === 'ask') {
      this.asking = true;
      try {
        const name = path.basename(this.uri.fsPath);
        const button = await vscode.window.showWarningMessage(externalChangeQuestion(name, this.edits.size), { modal: true }, ...EXTERNAL_CHANGE_CHOICES);
        const choice = externalChangeChoice(button);
        if (choice === 'compare') await this.compareWithDisk();
        if (choice !== 'reload') return;
      } finally {
        this.asking = false;
      }
    }
    await this.reload().catch((error: unknown) => {
      void vscode.window.showWarningMessage(`Mini-o3: could not reload ${path.basename(this.uri.fsPath)}: ${error instanceof Error ? error.message : String(error)}`);
    });
  }

  /** Opens VS Code's diff: the file on disk now against this document (file as read + edits), written to a temporary copy. */
  async compareWithDisk(): Promise<void> {
    const name = path.basename(this.uri.fsPath);
    const folder = await mkdtemp(path.join(os.tmpdir(), 'mini-o3-edits-'));
    const copy = path.join(folder, name);
    await this.current.saveEditedCopy(copy, this.edits.changes());
    await vscode.commands.executeCommand('vscode.diff', this.uri.with({ scheme: 'file' }), vscode.Uri.file(copy), `${name}: on disk ↔ your unsaved edits`, { preview: true });
  }

  private dropEdits(): void {
    const wasDirty = this.edits.dirty;
    this.edits.resetToFile();
    if (wasDirty) this.dirtyEmitter.fire(false);
  }

  private markClean(): void {
    this.dropEdits();
  }
}
