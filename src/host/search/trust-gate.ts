/** What the trust gate shows when a command that runs models is used in an untrusted workspace. */
export const UNTRUSTED_MESSAGE =
  'Mini-o3: running models and contacting model servers is disabled until this workspace is trusted. Viewing trajectories still works.';
export const MANAGE_TRUST_ACTION = 'Manage Workspace Trust';
export const MANAGE_TRUST_COMMAND = 'workbench.trust.manage';

/** The two window calls the gate makes (vscode.window.showWarningMessage, vscode.commands.executeCommand). */
export interface TrustPrompt {
  warn(message: string, action: string): PromiseLike<string | undefined>;
  executeCommand(command: string): PromiseLike<unknown>;
}

/**
 * Running models and contacting endpoints needs a trusted workspace (its settings could point the
 * extension at any server or model folder); viewing does not. Untrusted: explain, offer the trust
 * editor, and refuse.
 */
export async function passTrustGate(isTrusted: boolean, prompt: TrustPrompt): Promise<boolean> {
  if (isTrusted) return true;
  const choice = await prompt.warn(UNTRUSTED_MESSAGE, MANAGE_TRUST_ACTION);
  if (choice === MANAGE_TRUST_ACTION) await prompt.executeCommand(MANAGE_TRUST_COMMAND);
  return false;
}
