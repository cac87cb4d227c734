import * as vscode from 'vscode';
import { registerCommands, registerCurationCommands } from './host/commands';
import { registerConvertCommand } from './host/convert-command';
import { TrajectoryEditorProvider } from './host/editor/trajectory-editor-provider';
import { registerExportCommand } from './host/export-command';
import { registerImportCommands } from './host/import-commands';
import { registerSearchCommands } from './host/search/register';
import { DatasetStatusBar } from './host/status-bar';

/** The extension's API for other extensions and the end-to-end tests: the trajectory editors. */
export interface MiniO3Api {
  trajectoryEditors: TrajectoryEditorProvider;
}

export function activate(context: vscode.ExtensionContext): MiniO3Api {
  const output = vscode.window.createOutputChannel('Mini-o3 Studio');
  context.subscriptions.push(output);
  // Heavy modules (sharp, the store, analysis) load inside handlers, on first use.
  const editors = TrajectoryEditorProvider.register(context, output);
  registerCommands(context, output, () => editors.activeSession?.document.uri);
  registerImportCommands(context, output);
  registerCurationCommands(context, editors);
  registerExportCommand(context, output, editors);
  registerSearchCommands(context, editors, output);
  registerConvertCommand(context, output);
  context.subscriptions.push(
    new DatasetStatusBar(editors),
    vscode.commands.registerCommand('miniO3.showShortcuts', () => {
      const session = editors.activeSession;
      if (session) session.showShortcuts();
      else void vscode.window.showInformationMessage('Mini-o3: open a .traj.jsonl file in the trajectory editor to see its keyboard shortcuts.');
    }),
  );
  return { trajectoryEditors: editors };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
