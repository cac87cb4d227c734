import * as vscode from 'vscode';
import type { TrajectoryEditorProvider } from '../editor/trajectory-editor-provider';
import { setApiKeyCommand } from './api-key-command';
import { runEvaluationCommand } from './evaluation-command';
import { regenerateFromTurnCommand, runRolloutsCommand } from './fork-commands';
import { SearchServices } from './search-services';
import { runVisualSearchCommand } from './visual-search-command';

/** Registers the visual-search commands (run, regenerate, rollouts, evaluation, cancel, API key). */
export function registerSearchCommands(context: vscode.ExtensionContext, editors: TrajectoryEditorProvider, output: vscode.OutputChannel): SearchServices {
  const services = new SearchServices(context, editors, output);
  const guarded = (name: string, handler: (...args: unknown[]) => Promise<void>) =>
    vscode.commands.registerCommand(name, async (...args: unknown[]) => {
      try {
        await handler(...args);
      } catch (error) {
        output.appendLine(`${name}: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
        void vscode.window.showErrorMessage(`Mini-o3: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  context.subscriptions.push(
    guarded('miniO3.runVisualSearch', (arg) => runVisualSearchCommand(services, arg)),
    guarded('miniO3.regenerateFromTurn', (arg) => regenerateFromTurnCommand(services, arg)),
    guarded('miniO3.runRollouts', (arg) => runRolloutsCommand(services, arg)),
    guarded('miniO3.runEvaluation', () => runEvaluationCommand(services)),
    guarded('miniO3.setApiKey', () => setApiKeyCommand(services)),
    vscode.commands.registerCommand('miniO3.cancelSearch', () => {
      const count = services.runner.cancelAll();
      if (count === 0) void vscode.window.showInformationMessage('Mini-o3: no visual search is running.');
    }),
  );
  return services;
}
