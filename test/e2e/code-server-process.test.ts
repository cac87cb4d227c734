/**
 * The parts of scripts/code-server.mjs that need no code-server: ending a whole process group
 * (the server's file watchers and extension hosts are grandchildren that outlive their parent
 * unless the group goes), the URLs, and the run folder's layout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { folderUrl, openFileUrl, prepareRunDir, stopProcessGroup } from '../../scripts/code-server.mjs';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

test('stopProcessGroup ends the leader and the grandchildren it leaves behind', async () => {
  // The leader starts two background sleeps (as code-server starts watchers), prints their pids and waits.
  const leader = spawn('bash', ['-c', 'sleep 60 & echo $!; sleep 60 & echo $!; wait'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  let output = '';
  leader.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  assert.ok(await waitFor(() => output.trim().split('\n').length >= 2, 5_000), `the leader printed ${JSON.stringify(output)}`);
  const grandchildren = output.trim().split('\n').map(Number);
  assert.ok(grandchildren.every(alive));
  const outcome = await stopProcessGroup(leader.pid!, { graceMs: 2_000 });
  assert.ok(outcome === 'terminated' || outcome === 'killed', outcome);
  assert.ok(await waitFor(() => !grandchildren.some(alive), 2_000), `still running: ${grandchildren.filter(alive).join(', ')}`);
  assert.equal(await stopProcessGroup(leader.pid!), 'gone');
});

test('stopProcessGroup falls back to SIGKILL for a group that ignores SIGTERM', async () => {
  const stubborn = spawn('bash', ['-c', "trap '' TERM; echo ready; while true; do sleep 0.1; done"], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve) => stubborn.stdout.once('data', resolve));
  assert.equal(await stopProcessGroup(stubborn.pid!, { graceMs: 300 }), 'killed');
  assert.ok(await waitFor(() => !alive(stubborn.pid!), 2_000));
});

test('the workbench URLs keep the folder readable and name the file as a vscode-remote URI', () => {
  assert.equal(folderUrl('http://127.0.0.1:8080', '/tmp/my work/ws'), 'http://127.0.0.1:8080/?folder=/tmp/my%20work/ws');
  const url = new URL(openFileUrl('http://127.0.0.1:8080', '/tmp/ws', '/tmp/ws/demos.traj.jsonl'));
  assert.equal(url.searchParams.get('folder'), '/tmp/ws');
  assert.deepEqual(JSON.parse(url.searchParams.get('payload')!), [['openFile', 'vscode-remote://127.0.0.1:8080/tmp/ws/demos.traj.jsonl']]);
});

test('prepareRunDir seeds quiet settings and keeps everything inside the run folder', () => {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'code-server-run-test-'));
  try {
    const paths = prepareRunDir(runDir, { settings: { 'workbench.colorTheme': 'Default Dark Modern' } });
    for (const p of [paths.userDataDir, paths.extensionsDir, paths.configFile]) assert.ok(p.startsWith(runDir), p);
    const settings = JSON.parse(fs.readFileSync(path.join(paths.userDataDir, 'User', 'settings.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(settings['workbench.startupEditor'], 'none');
    assert.equal(settings['security.workspace.trust.enabled'], false);
    assert.equal(settings['workbench.colorTheme'], 'Default Dark Modern');
    assert.match(fs.readFileSync(paths.configFile, 'utf8'), /^auth: none$/m);
  } finally {
    fs.rmSync(runDir, { recursive: true, force: true });
  }
});
