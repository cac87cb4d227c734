import * as vscode from 'vscode';
import { registerCommands } from './host/commands';

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Mini-o3 Studio');
  context.subscriptions.push(output);
  registerCommands(context, output);
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
