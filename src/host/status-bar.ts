import * as vscode from 'vscode';
import { datasetStatusText } from '../core/view/status-text';
import { Throttle } from '../core/view/throttle';
import { Disposable } from './editor/disposable';
import type { EditorSession } from './editor/editor-session';
import type { TrajectoryEditorProvider } from './editor/trajectory-editor-provider';

const REFRESH_INTERVAL_MS = 250;

/**
 * A status-bar item while a trajectory editor is focused: the dataset's totals (trajectories,
 * accuracy, invalid ones; progress while indexing) and the selected line. Click: statistics.
 */
export class DatasetStatusBar extends Disposable {
  private readonly item = this._register(vscode.window.createStatusBarItem('miniO3.dataset', vscode.StatusBarAlignment.Left, 50));
  private readonly refresh = this._register(new Throttle(() => this.render(), REFRESH_INTERVAL_MS));
  private sessionListeners: vscode.Disposable[] = [];
  private session: EditorSession | undefined;

  constructor(provider: TrajectoryEditorProvider) {
    super();
    this.item.name = 'Mini-o3 Dataset';
    this._register(provider.onDidChangeActiveSession((session) => this.follow(session)));
    this._register({ dispose: () => this.sessionListeners.forEach((d) => d.dispose()) });
    this.follow(provider.activeSession);
  }

  private follow(session: EditorSession | undefined): void {
    this.sessionListeners.forEach((d) => d.dispose());
    this.sessionListeners = [];
    this.session = session;
    if (!session) {
      this.item.hide();
      return;
    }
    const { document } = session;
    this.sessionListeners.push(
      document.onDidChangeRows(() => (document.model.indexing ? this.refresh.trigger() : this.render())),
      document.onDidReload(() => this.render()),
      document.onDidChangeRow(() => this.refresh.trigger()),
      session.onDidChangeSelection(() => this.render()),
    );
    this.render();
    this.item.show();
  }

  private render(): void {
    const session = this.session;
    if (!session) return;
    const model = session.document.model;
    const { text, tooltip } = datasetStatusText(model.rows.totals(), model.indexing, model.indexedFraction, session.selection);
    this.item.text = text;
    this.item.tooltip = model.indexError ? `${tooltip}\n${model.indexError}` : tooltip;
    this.item.command = { title: 'Show Trajectory Statistics', command: 'miniO3.showStats', arguments: [session.document.uri] };
  }
}
