import * as vscode from 'vscode';
import type { Policy } from '../../core/model/policy';
import type { TrajectoryEditorProvider } from '../editor/trajectory-editor-provider';
import { SearchConfigError, readSearchConfig, type SearchBackend, type SearchConfig } from './search-config';
import { createSearchPolicy } from './search-policy';
import { SearchRunner } from './search-runner';
import { apiKeySecretName } from './secret-key';
import { passTrustGate } from './trust-gate';

/** What the search commands share: settings, the API key store, the model, the runner. */
export class SearchServices {
  readonly runner: SearchRunner;

  constructor(readonly context: vscode.ExtensionContext, readonly editors: TrajectoryEditorProvider, readonly output: vscode.OutputChannel) {
    this.runner = new SearchRunner(editors, output);
  }

  /** Whether a command may run models here; in an untrusted workspace it explains and offers the trust editor. */
  requireTrust(): Promise<boolean> {
    return passTrustGate(vscode.workspace.isTrusted, {
      warn: (message, action) => vscode.window.showWarningMessage(message, action),
      executeCommand: (command) => vscode.commands.executeCommand(command),
    });
  }

  /** The checked settings; shows the problem (naming the setting) and returns null when one is bad. */
  config(scope: vscode.Uri | undefined, backend?: SearchBackend): SearchConfig | null {
    const section = vscode.workspace.getConfiguration('miniO3', scope);
    try {
      return readSearchConfig((key) => section.get<unknown>(key), backend ? { backend } : {});
    } catch (error) {
      if (error instanceof SearchConfigError) {
        void vscode.window.showErrorMessage(`Mini-o3: ${error.message}`, 'Open Settings').then((choice) =>
          choice && vscode.commands.executeCommand('workbench.action.openSettings', `miniO3.${error.setting}`));
        return null;
      }
      throw error;
    }
  }

  async apiKey(serverUrl: string): Promise<string | undefined> {
    const key = await this.context.secrets.get(apiKeySecretName(serverUrl));
    return key && key.trim() !== '' ? key : undefined;
  }

  /** The model (loading or listing may fail: shown, then null). */
  async policy(config: SearchConfig, concurrency = 1): Promise<Policy | null> {
    try {
      const apiKey = config.backend === 'openai' ? await this.apiKey(config.serverUrl) : undefined;
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: config.backend === 'onnx' ? 'Mini-o3: loading the model' : 'Mini-o3: contacting the model server' },
        () => createSearchPolicy(config, { ...(apiKey ? { apiKey } : {}), concurrency, log: (line) => this.output.appendLine(line) }),
      );
    } catch (error) {
      void vscode.window.showErrorMessage(`Mini-o3: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }

  /** The workspace folder of a file, else the first one. */
  workspaceFolder(uri?: vscode.Uri): vscode.WorkspaceFolder | undefined {
    return (uri && vscode.workspace.getWorkspaceFolder(uri)) ?? vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  }
}
