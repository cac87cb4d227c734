import * as vscode from 'vscode';
import type { SearchServices } from './search-services';
import { apiKeySecretName, serverOrigin } from './secret-key';

/**
 * Set Model Server API Key…: kept in SecretStorage under the server's origin (miniO3.serverUrl),
 * never in settings, logs or trajectory files. An empty entry removes it.
 */
export async function setApiKeyCommand(services: SearchServices): Promise<void> {
  const serverUrl = vscode.workspace.getConfiguration('miniO3').get<string>('serverUrl', '');
  let origin: string;
  try {
    origin = serverOrigin(serverUrl);
  } catch (error) {
    void vscode.window.showErrorMessage(`Mini-o3: ${(error as Error).message}`);
    return;
  }
  const key = await vscode.window.showInputBox({
    title: `API key for ${origin}`,
    prompt: 'Sent as "Authorization: Bearer" to this server only; stored in VS Code\'s secret storage. Leave empty to remove it.',
    password: true,
    ignoreFocusOut: true,
  });
  if (key === undefined) return;
  const name = apiKeySecretName(serverUrl);
  if (key.trim() === '') {
    await services.context.secrets.delete(name);
    void vscode.window.showInformationMessage(`Mini-o3: removed the API key for ${origin}.`);
  } else {
    await services.context.secrets.store(name, key.trim());
    void vscode.window.showInformationMessage(`Mini-o3: API key for ${origin} saved in the secret storage.`);
  }
}
