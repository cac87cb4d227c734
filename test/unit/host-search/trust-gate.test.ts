import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { MANAGE_TRUST_ACTION, MANAGE_TRUST_COMMAND, UNTRUSTED_MESSAGE, passTrustGate, type TrustPrompt } from '../../../src/host/search/trust-gate';

/** Records what the gate shows and runs; `answer` is the button the user presses (undefined: dismissed). */
function recordingPrompt(answer: string | undefined): TrustPrompt & { shown: string[][]; ran: string[] } {
  const shown: string[][] = [];
  const ran: string[] = [];
  return {
    shown, ran,
    warn: async (message, action) => { shown.push([message, action]); return answer; },
    executeCommand: async (command) => { ran.push(command); },
  };
}

test('a trusted workspace passes without a prompt', async () => {
  const prompt = recordingPrompt(MANAGE_TRUST_ACTION);
  assert.equal(await passTrustGate(true, prompt), true);
  assert.deepEqual(prompt.shown, []);
  assert.deepEqual(prompt.ran, []);
});

test('an untrusted workspace is refused with an explanation; the button opens the trust editor', async () => {
  const pressed = recordingPrompt(MANAGE_TRUST_ACTION);
  assert.equal(await passTrustGate(false, pressed), false);
  assert.deepEqual(pressed.shown, [[UNTRUSTED_MESSAGE, MANAGE_TRUST_ACTION]]);
  assert.match(UNTRUSTED_MESSAGE, /disabled until this workspace is trusted\. Viewing trajectories still works/);
  assert.deepEqual(pressed.ran, [MANAGE_TRUST_COMMAND]);
  const dismissed = recordingPrompt(undefined);
  assert.equal(await passTrustGate(false, dismissed), false);
  assert.deepEqual(dismissed.ran, [], 'dismissing the warning opens nothing');
});

test('every command that runs a model passes the trust gate before anything else', () => {
  const dir = path.resolve(__dirname, '../../../src/host/search');
  const commands: [string, string][] = [
    ['visual-search-command.ts', 'runVisualSearchCommand'],
    ['fork-commands.ts', 'regenerateFromTurnCommand'],
    ['fork-commands.ts', 'runRolloutsCommand'],
    ['evaluation-command.ts', 'runEvaluationCommand'],
  ];
  for (const [file, name] of commands) {
    const source = fs.readFileSync(path.join(dir, file), 'utf8');
    const body = new RegExp(`export async function ${name}\\([^)]*\\): Promise<void> \\{\\n([^\\n]*)`).exec(source);
    assert.ok(body, `${file}: ${name} not found`);
    assert.equal(body[1]!.trim(), 'if (!(await services.requireTrust())) return;', `${name}'s first statement must be the trust gate`);
  }
});

test('the settings that name a server or model folder are restricted in untrusted workspaces', () => {
  const manifest = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as {
    capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations: string[] } };
  };
  assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
  for (const key of ['miniO3.serverUrl', 'miniO3.modelFolder', 'miniO3.executionProviders']) {
    assert.ok(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(key), `${key} is not restricted`);
  }
});
