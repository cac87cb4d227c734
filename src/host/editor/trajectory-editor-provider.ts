import { readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { resolveImageRoots } from '../../core/view/image-roots';
import { Disposable } from './disposable';
import { EditBridge } from './edit-bridge';
import { EditorSession } from './editor-session';
import { ImageService } from './image-service';
import { TrajectoryDocument } from './trajectory-document';
import { createNonce, webviewHtml } from './webview-html';

export const TRAJECTORY_EDITOR_VIEW_TYPE = 'miniO3.trajectoryEditor';
const KEYBINDINGS_HELP_SHOWN = 'miniO3.keybindingsHelpShown';

/**
 * The custom editor for `*.traj.jsonl`: one TrajectoryDocument per file (shared by its panels),
 * one EditorSession per panel. Tracks the active session for the status bar and for commands.
 */
export class TrajectoryEditorProvider extends Disposable implements vscode.CustomEditorProvider<TrajectoryDocument> {
  private readonly sessionSet = new Set<EditorSession>();
  private readonly documentSet = new Set<TrajectoryDocument>();
  private active: EditorSession | undefined;

  /** Every edit of every document, with its undo/redo: VS Code's undo stack, dirty dot and save follow it. */
  private readonly changeEmitter = this._register(new vscode.EventEmitter<vscode.CustomDocumentContentChangeEvent<TrajectoryDocument>>());
  readonly onDidChangeCustomDocument = this.changeEmitter.event;
  private readonly activeEmitter = this._register(new vscode.EventEmitter<EditorSession | undefined>());
  /** The focused trajectory editor changed (undefined: none is focused). */
  readonly onDidChangeActiveSession = this.activeEmitter.event;
  private readonly sessionEmitter = this._register(new vscode.EventEmitter<EditorSession>());
  /** A panel was opened (its webview may not be ready yet: see EditorSession.onDidBecomeReady). */
  readonly onDidOpenSession = this.sessionEmitter.event;

  readonly edits: EditBridge;

  constructor(private readonly context: vscode.ExtensionContext, private readonly output: vscode.OutputChannel, readonly images: ImageService) {
    super();
    this.edits = this._register(new EditBridge(images));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('miniO3.imageRoots')) void this.applyImageRoots();
    }));
  }

  static register(context: vscode.ExtensionContext, output: vscode.OutputChannel): TrajectoryEditorProvider {
    const images = new ImageService(context);
    const provider = new TrajectoryEditorProvider(context, output, images);
    context.subscriptions.push(
      images,
      provider,
      vscode.window.registerCustomEditorProvider(TRAJECTORY_EDITOR_VIEW_TYPE, provider, {
        // The webview keeps its state with vscode.setState and re-queries on `ready`.
        webviewOptions: { retainContextWhenHidden: false },
        supportsMultipleEditorsPerDocument: true,
      }),
    );
    return provider;
  }

  get activeSession(): EditorSession | undefined {
    return this.active;
  }

  get sessions(): readonly EditorSession[] {
    return [...this.sessionSet];
  }

  sessionsOf(uri: vscode.Uri): EditorSession[] {
    return this.sessions.filter((s) => s.document.uri.toString() === uri.toString());
  }

  documentOf(uri: vscode.Uri): TrajectoryDocument | undefined {
    return [...this.documentSet].find((d) => d.uri.toString() === uri.toString());
  }

  async openCustomDocument(uri: vscode.Uri, openContext: vscode.CustomDocumentOpenContext, _token: vscode.CancellationToken): Promise<TrajectoryDocument> {
    const document = await TrajectoryDocument.create(uri, this.imageRootsFor(uri));
    this.documentSet.add(document);
    document.onDidDispose(() => this.documentSet.delete(document));
    document.onDidEdit((edit) => this.changeEmitter.fire({ document, ...edit }));
    if (openContext.backupId) await this.restoreBackup(document, openContext.backupId);
    return document;
  }

  /** Re-applies a hot-exit backup; what no longer applies is reported, never silently dropped. */
  private async restoreBackup(document: TrajectoryDocument, backupId: string): Promise<void> {
    const name = path.basename(document.uri.fsPath);
    try {
      const { restoredEdits, failures } = await document.restoreBackup(vscode.Uri.parse(backupId));
      this.output.appendLine(`${document.uri.fsPath}: restored ${restoredEdits} unsaved edit(s) from the hot-exit backup`);
      if (failures.length === 0) return;
      for (const failure of failures) this.output.appendLine(`  not restored: ${failure.reason}`);
      const choice = await vscode.window.showWarningMessage(
        `Mini-o3: ${name} changed since your unsaved edits were backed up: ${failures.length} edit(s) no longer apply and were not restored (${restoredEdits} were).`,
        'Show Details',
      );
      if (choice) this.output.show(true);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.output.appendLine(`${document.uri.fsPath}: could not restore the hot-exit backup: ${reason}`);
      void vscode.window.showWarningMessage(`Mini-o3: could not restore unsaved edits of ${name}: ${reason}`);
    }
  }

  async resolveCustomEditor(document: TrajectoryDocument, panel: vscode.WebviewPanel, _token: vscode.CancellationToken): Promise<void> {
    panel.webview.options = { enableScripts: true, localResourceRoots: this.resourceRoots(document) };
    panel.webview.html = this.html(panel.webview, path.basename(document.uri.fsPath));
    const session = new EditorSession(panel, document, {
      images: this.images,
      edits: this.edits,
      output: this.output,
      takeKeybindingsHelp: () => {
        const shown = this.context.globalState.get<boolean>(KEYBINDINGS_HELP_SHOWN, false);
        if (!shown) void this.context.globalState.update(KEYBINDINGS_HELP_SHOWN, true);
        return !shown;
      },
    });
    this.sessionSet.add(session);
    session.onDidDispose(() => {
      this.sessionSet.delete(session);
      if (this.active === session) this.setActive(undefined);
    });
    panel.onDidChangeViewState(() => {
      if (panel.active) this.setActive(session);
      else if (this.active === session) this.setActive(undefined);
    });
    if (panel.active) this.setActive(session);
    this.sessionEmitter.fire(session);
  }

  saveCustomDocument(document: TrajectoryDocument, cancellation: vscode.CancellationToken): Promise<void> {
    return document.save(cancellation);
  }

  saveCustomDocumentAs(document: TrajectoryDocument, destination: vscode.Uri, cancellation: vscode.CancellationToken): Promise<void> {
    return document.saveAs(destination, cancellation);
  }

  revertCustomDocument(document: TrajectoryDocument, _cancellation: vscode.CancellationToken): Promise<void> {
    return document.revert();
  }

  backupCustomDocument(document: TrajectoryDocument, context: vscode.CustomDocumentBackupContext, _cancellation: vscode.CancellationToken): Promise<vscode.CustomDocumentBackup> {
    return document.backup(context.destination);
  }

  private setActive(session: EditorSession | undefined): void {
    if (this.active === session) return;
    this.active = session;
    this.activeEmitter.fire(session);
  }

  /** The extension's dist and media, the picture cache, the file's folder and the user's image roots: nothing else. */
  private resourceRoots(document: TrajectoryDocument): vscode.Uri[] {
    return [
      vscode.Uri.joinPath(this.context.extensionUri, 'dist'),
      vscode.Uri.joinPath(this.context.extensionUri, 'media'),
      this.images.cacheFolder,
      vscode.Uri.file(path.dirname(document.uri.fsPath)),
      ...document.roots.map((root) => vscode.Uri.file(root)),
    ];
  }

  private html(webview: vscode.Webview, title: string): string {
    const dist = vscode.Uri.joinPath(this.context.extensionUri, 'dist');
    return webviewHtml({
      cspSource: webview.cspSource,
      nonce: createNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUris: styleFiles(dist.fsPath).map((name) => webview.asWebviewUri(vscode.Uri.joinPath(dist, name)).toString()),
      title,
    });
  }

  private imageRootsFor(uri: vscode.Uri): string[] {
    const setting = vscode.workspace.getConfiguration('miniO3', uri).get<unknown>('imageRoots', []);
    return resolveImageRoots(setting, {
      workspaceFolders: (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath),
      documentFolder: path.dirname(uri.fsPath),
      home: os.homedir(),
    });
  }

  /** New image roots: documents re-open under them and panels may load from them. */
  private async applyImageRoots(): Promise<void> {
    for (const document of this.documentSet) {
      const roots = this.imageRootsFor(document.uri);
      if (roots.join('\n') === document.roots.join('\n')) continue;
      await document.reload(roots, { keepEdits: true }).catch((error: unknown) => this.output.appendLine(`reload ${document.uri.fsPath}: ${String(error)}`));
      for (const session of this.sessionsOf(document.uri)) {
        session.panel.webview.options = { enableScripts: true, localResourceRoots: this.resourceRoots(document) };
      }
    }
  }
}

/** Every stylesheet the build wrote (webview.css first), so styles and codicons bundled by esbuild all load. */
function styleFiles(distFolder: string): string[] {
  let names: string[];
  try {
    names = readdirSync(distFolder).filter((name) => name.endsWith('.css'));
  } catch {
    return [];
  }
  return names.sort((a, b) => (a === 'webview.css' ? -1 : b === 'webview.css' ? 1 : a < b ? -1 : 1));
}
