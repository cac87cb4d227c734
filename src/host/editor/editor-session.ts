import * as vscode from 'vscode';
import { REQUEST_TIMEOUT_MS, type Envelope, type HostEvents, type HostRequests, type ImageRef, type RowFilter, type RowQuery, type RowSummary, type WebviewEvents } from '../../protocol';
import { RpcEndpoint } from '../../shared/rpc';
import type { Trajectory } from '../../core/trajectory/schema';
import { Throttle } from '../../core/view/throttle';
import { Disposable, toDisposable } from './disposable';
import type { EditBridge } from './edit-bridge';
import type { ImageService } from './image-service';
import { reviewLabelsFrom, reviewQueueOf } from '../../core/view/review-queue';
import type { TrajectoryDocument } from './trajectory-document';

/** The host asks the webview nothing (yet); it only answers and sends events. */
type NoRequests = Record<string, never>;
/** The protocol's maps are interfaces (no implicit index signature); a mapped copy satisfies RpcEndpoint's constraints. */
type AsMap<T> = { [K in keyof T]: T[K] };

export type HostEndpoint = RpcEndpoint<NoRequests, AsMap<HostRequests>, AsMap<WebviewEvents>, AsMap<HostEvents>>;

export interface Selection {
  line: number | null;
  turn: number | null;
}

export interface EditorSessionServices {
  images: ImageService;
  edits: EditBridge;
  output: vscode.OutputChannel;
  /** Whether to show the keyboard help on this init (true the first time ever, then false). */
  takeKeybindingsHelp(): boolean;
}

/** rowsChanged at most this often while indexing (~4 a second). */
const ROWS_CHANGED_INTERVAL_MS = 250;
/** One page of the list; the webview virtualizes, so it never needs more at once. */
const MAX_QUERY_LIMIT = 5000;

/**
 * One trajectory-editor panel: the typed channel to its webview, the handlers for every
 * HostRequests, and the events it sends (init on ready, throttled rowsChanged, trajectoryChanged
 * for live lines, select). Panels of one document share its model.
 */
export class EditorSession extends Disposable {
  readonly endpoint: HostEndpoint;
  private ready = false;
  private pendingSelect: WebviewEvents['select'] | null = null;
  private currentSelection: Selection = { line: null, turn: null };
  private readonly rowsChanged: Throttle;

  private readonly readyEmitter = this._register(new vscode.EventEmitter<void>());
  /** The webview said `ready` (again after it was hidden and shown: retainContextWhenHidden is off). */
  readonly onDidBecomeReady = this.readyEmitter.event;
  private readonly selectionEmitter = this._register(new vscode.EventEmitter<Selection>());
  readonly onDidChangeSelection = this.selectionEmitter.event;
  private readonly disposeEmitter = this._register(new vscode.EventEmitter<void>());
  readonly onDidDispose = this.disposeEmitter.event;

  constructor(readonly panel: vscode.WebviewPanel, readonly document: TrajectoryDocument, private readonly services: EditorSessionServices) {
    super();
    const webview = panel.webview;
    this.endpoint = new RpcEndpoint<NoRequests, AsMap<HostRequests>, AsMap<WebviewEvents>, AsMap<HostEvents>>(
      (envelope: Envelope) => void webview.postMessage(envelope).then(undefined, () => undefined),
      REQUEST_TIMEOUT_MS,
    );
    this._register(toDisposable(() => this.endpoint.close('the editor was closed')));
    this._register(webview.onDidReceiveMessage((message: unknown) => void this.endpoint.receive(message)));
    this.rowsChanged = this._register(new Throttle(() => this.emitRowsChanged(), ROWS_CHANGED_INTERVAL_MS));
    this.registerHandlers();

    this._register(document.onDidChangeRows(() => {
      // While indexing, ~4 a second; after it (the last batch, a live line), at once.
      if (document.model.indexing) this.rowsChanged.trigger();
      else if (!this.rowsChanged.flush()) this.emitRowsChanged();
    }));
    this._register(document.onDidReload(() => this.emitRowsChanged()));
    this._register(document.onDidChangeRow(({ line, summary }) => {
      if (this.ready) this.endpoint.emit('trajectoryChanged', { line, summary });
    }));
    this._register(document.onDidChangeDirty((dirty) => {
      if (this.ready) this.endpoint.emit('dirtyChanged', { dirty });
    }));
    this._register(panel.onDidDispose(() => this.dispose()));
  }

  /** Asks the webview for the review queue (the `miniO3.openReviewQueue` command). */
  openReviewQueue(filter?: RowFilter): void {
    if (this.ready) this.endpoint.emit('openReviewQueue', filter ? { filter } : {});
  }

  /** Asks the webview to compare two lines side by side (the `miniO3.compareTrajectories` command). */
  openComparison(a: number, b: number): void {
    if (this.ready) this.endpoint.emit('openComparison', { a, b });
  }

  get isReady(): boolean {
    return this.ready;
  }

  get selection(): Selection {
    return this.currentSelection;
  }

  /** Asks the webview to select a line (and turn); sent once it is ready if it is not yet. */
  select(line: number, turn?: number): void {
    const body = turn === undefined ? { line } : { line, turn };
    if (this.ready) this.endpoint.emit('select', body);
    else this.pendingSelect = body;
  }

  /** Opens the keyboard help in the webview (sent as a repeated `init` with keybindingsHelp: true). */
  showShortcuts(): void {
    if (this.ready) this.endpoint.emit('init', this.initBody(true));
  }

  /**
   * Live updates (a running search): shows `trajectory` at `line`, or on a new line after the
   * file's last, in every panel of this document (trajectoryChanged + rowsChanged).
   */
  putLiveTrajectory(trajectory: Trajectory, line?: number): Promise<RowSummary> {
    return this.document.putLiveTrajectory(trajectory, line);
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.disposeEmitter.fire();
    super.dispose();
  }

  private registerHandlers(): void {
    const e = this.endpoint;
    const model = () => this.document.model;
    e.handle('queryRows', (q) => model().query(boundedQuery(q)));
    e.handle('getTrajectory', ({ line }) => model().trajectoryView(line));
    e.handle('getTaskTree', ({ taskId }) => model().taskTree(taskId));
    e.handle('getSlimTaskTree', ({ taskId }) => model().slimTaskTree(taskId));
    e.handle('getCharts', ({ filter }) => model().charts(filter ?? {}));
    e.handle('getImage', async (request): Promise<ImageRef> => {
      const result = await model().image(request, await this.services.images.getRenderer());
      if (result.path === null) return { uri: null, width: result.width, height: result.height, error: result.error ?? 'no picture' };
      return { uri: this.panel.webview.asWebviewUri(vscode.Uri.file(result.path)).toString(), width: result.width, height: result.height };
    });
    e.handle('revealLine', async ({ line }) => {
      await revealLine(this.document.uri, line);
      return null;
    });
    this.registerEditHandlers();

    e.on('ready', () => {
      this.ready = true;
      e.emit('init', this.initBody(this.services.takeKeybindingsHelp()));
      this.emitRowsChanged();
      const pending = this.pendingSelect ?? (this.currentSelection.line !== null ? selectBody(this.currentSelection) : null);
      this.pendingSelect = null;
      if (pending) e.emit('select', pending);
      if (this.document.isDirty) e.emit('dirtyChanged', { dirty: true });
      this.readyEmitter.fire();
    });
    e.on('error', ({ message }) => {
      this.services.output.appendLine(`webview error (${this.document.uri.fsPath}): ${message}`);
      void vscode.window.showWarningMessage(`Mini-o3 trajectory editor: ${message}`);
    });
    e.on('selection', (selection) => {
      this.currentSelection = { line: selection.line ?? null, turn: selection.turn ?? null };
      this.selectionEmitter.fire(this.currentSelection);
    });
    this._register(this.panel.onDidChangeViewState(() => {
      // A hidden webview is destroyed (no retained context); it says `ready` again when shown.
      if (!this.panel.visible) this.ready = false;
    }));
  }

  /** Editing and curation (issue 4): edits go through the document so VS Code's undo, dirty state and save follow. */
  private registerEditHandlers(): void {
    const e = this.endpoint;
    const model = () => this.document.model;
    e.handle('applyEdit', (params) => this.services.edits.apply(this.document, params));
    e.handle('previewCrop', async (params): Promise<ImageRef> => {
      const result = await this.services.edits.previewCrop(this.document, params);
      if (result.path === null) return { uri: null, width: result.width, height: result.height, error: result.error ?? 'no picture' };
      return { uri: this.panel.webview.asWebviewUri(vscode.Uri.file(result.path)).toString(), width: result.width, height: result.height };
    });
    e.handle('reviewQueue', ({ filter, sort }) => reviewQueueOf(model().rows, filter ?? {}, sort ?? { key: 'line', descending: false }));
    e.handle('turnDiff', async ({ line, turn }) => {
      const { turnDiff } = await import('../../core/edit/provenance-diff');
      const target = await model().editTarget(line);
      return turnDiff(target.trajectory, turn, target.originalSize);
    });
    e.handle('compare', async ({ a, b }) => {
      const { compareTrajectories } = await import('../../core/agreement/compare');
      const [left, right] = await Promise.all([model().editTarget(a), model().editTarget(b)]);
      const [viewA, viewB] = await Promise.all([model().trajectoryView(a), model().trajectoryView(b)]);
      return { a: viewA, b: viewB, rows: compareTrajectories(left.trajectory, right.trajectory, left.originalSize ?? right.originalSize) };
    });
    e.handle('getLabelSet', () => ({ labels: reviewLabelsFrom(vscode.workspace.getConfiguration('miniO3', this.document.uri).get<unknown>('reviewLabels')) }));
    // The webview cannot run commands; this one forks the trajectory and runs the model (visual search owns it).
    e.handle('regenerateFromTurn', async ({ line, turn }) => {
      await vscode.commands.executeCommand('miniO3.regenerateFromTurn', { line, turn });
      return null;
    });
  }

  private initBody(keybindingsHelp: boolean): WebviewEvents['init'] {
    const writable = vscode.workspace.fs.isWritableFileSystem(this.document.uri.scheme);
    return { fileName: this.document.model.displayName, readonly: writable === false, keybindingsHelp };
  }

  private emitRowsChanged(): void {
    if (!this.ready) return;
    const model = this.document.model;
    this.endpoint.emit('rowsChanged', { total: model.rows.size, indexing: model.indexing });
  }
}

function selectBody(selection: Selection): WebviewEvents['select'] {
  return selection.turn === null ? { line: selection.line! } : { line: selection.line!, turn: selection.turn };
}

function boundedQuery(q: RowQuery): RowQuery {
  const limit = Number.isFinite(q.limit) ? Math.min(MAX_QUERY_LIMIT, Math.max(0, q.limit)) : 100;
  const offset = Number.isFinite(q.offset) ? Math.max(0, q.offset) : 0;
  return { filter: q.filter ?? {}, sort: q.sort ?? { key: 'line', descending: false }, offset, limit };
}

/** Opens the file as text beside the editor, at the line (its raw JSON). */
async function revealLine(uri: vscode.Uri, line: number): Promise<void> {
  const text = await vscode.workspace.openTextDocument(uri);
  const at = Math.max(0, Math.min(text.lineCount - 1, Math.floor(line) - 1));
  const range = new vscode.Range(at, 0, at, 0);
  const editor = await vscode.window.showTextDocument(text, { viewColumn: vscode.ViewColumn.Beside, selection: range, preview: true });
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}
