/**
 * "Killing the extension host in the middle of a save leaves either the old file or the new one,
 * never a mix": a child process saves edits to a ~40 MB file with saveTrajectoryFile and is
 * SIGKILLed at several points of the save (found by watching its temp file grow); afterwards
 * the target is byte for byte the old content or the new content, computed here independently.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sampleTrajectory, tempDir } from './fixtures';

const root = path.resolve(__dirname, '../../..');
const CHILD = path.join(root, 'test', 'support', 'save-trajectory-child.ts');
const TARGET_BYTES = 40 * 1024 * 1024;
const NAME = 'large.traj.jsonl';
/** `.<target name>.<pid>.<8 hex>.tmp`, as writeFileAtomically names its temp file. */
const TEMP_NAME = /^\.large\.traj\.jsonl\.(\d+)\.[0-9a-f]{8}\.tmp$/;

interface Fixture {
  dir: string;
  file: string;
  changesPath: string;
  oldBytes: Buffer;
  newBytes: Buffer;
  changedLines: number[];
}

/** A ~40 MB file of distinct lines, the edits to make, and the bytes the save must produce. */
function makeFixture(): Fixture {
  const dir = tempDir('store-kill-');
  const file = path.join(dir, NAME);
  const lines: Buffer[] = [];
  let size = 0;
  // Lines ~1.5 KB each (a padded note keeps the count, and so the parse time, modest).
  const padding = 'x'.repeat(1200);
  for (let n = 0; size < TARGET_BYTES; n++) {
    const text = Buffer.from(JSON.stringify({ ...sampleTrajectory(n), zz_padding: `${n}:${padding}` }), 'utf8');
    lines.push(text);
    size += text.length + 1;
  }
  const changedLines = [0, 1, Math.floor(lines.length / 3), Math.floor(lines.length / 2), lines.length - 1];
  const changes: Record<string, unknown> = {};
  const newLines = lines.slice();
  for (const index of changedLines) {
    const value = { ...(JSON.parse(lines[index]!.toString('utf8')) as Record<string, unknown>), review: { status: 'accepted', by: 'kill test', note: `édité ${index}` } };
    changes[String(index)] = value;
    newLines[index] = Buffer.from(JSON.stringify(value), 'utf8');
  }
  const join = (parts: Buffer[]) => Buffer.concat(parts.flatMap((p) => [p, Buffer.from('\n')]));
  const oldBytes = join(lines);
  const newBytes = join(newLines);
  fs.writeFileSync(file, oldBytes);
  const changesPath = path.join(dir, 'changes.json.input');
  fs.writeFileSync(changesPath, JSON.stringify(changes));
  return { dir, file, changesPath, oldBytes, newBytes, changedLines };
}

function tempFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => name.endsWith('.tmp'));
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Run {
  /** Killed once the temp file held at least this share of the new bytes; null: left to finish. */
  killAtShare: number | null;
  killed: boolean;
  tempSizeAtKill: number;
  exit: { code: number | null; signal: NodeJS.Signals | null };
  stderr: string;
}

/** Starts the child's save and SIGKILLs it when its temp file reaches `killAtShare` of the new size. */
async function runSave(fixture: Fixture, killAtShare: number | null): Promise<Run> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CHILD, fixture.file, fixture.changesPath], {
    cwd: root,
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<Run['exit']>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let finished = false;
  void exited.then(() => (finished = true));
  const run: Run = { killAtShare, killed: false, tempSizeAtKill: -1, exit: { code: null, signal: null }, stderr: '' };
  if (killAtShare !== null) {
    const threshold = Math.floor(fixture.newBytes.length * killAtShare);
    while (!finished) {
      const temp = tempFiles(fixture.dir)[0];
      const size = temp ? fs.statSync(path.join(fixture.dir, temp), { throwIfNoEntry: false })?.size : undefined;
      if (size !== undefined && size >= threshold) {
        child.kill('SIGKILL');
        run.killed = true;
        run.tempSizeAtKill = size;
        break;
      }
      await tick();
    }
  }
  run.exit = await exited;
  run.stderr = stderr;
  return run;
}

test('SIGKILL during a save leaves the old file or the new one, never a mix; a leftover temp file names what it was', { timeout: 60_000 }, async () => {
  const started = performance.now();
  const fixture = makeFixture();
  try {
    // Kill as soon as the temp file exists, part way through, and with everything written
    // (fsync / rename window); the last run is left to finish and must give the new bytes.
    const shares = [0, 0.15, 0.45, 0.75, 1, null];
    const outcomes: string[] = [];
    for (const share of shares) {
      const run = await runSave(fixture, share);
      const what = share === null ? 'left to finish' : `killed with the temp file at ${((100 * run.tempSizeAtKill) / fixture.newBytes.length).toFixed(0)}% (aimed at ${(share * 100).toFixed(0)}%)`;
      const target = fs.readFileSync(fixture.file);
      const isOld = target.equals(fixture.oldBytes);
      const isNew = target.equals(fixture.newBytes);
      assert.ok(isOld || isNew, `${what}: the target is neither the old nor the new content (${target.length} B; old ${fixture.oldBytes.length} B, new ${fixture.newBytes.length} B)`);
      outcomes.push(`${what}: ${isNew ? 'new' : 'old'}`);

      if (share === null) {
        assert.equal(run.exit.code, 0, `the save that was left alone failed: ${run.stderr}`);
        assert.ok(isNew, 'a finished save writes exactly the expected new bytes');
        assert.deepEqual(tempFiles(fixture.dir), [], 'a finished save leaves no temp file');
      } else {
        assert.ok(run.killed, `${what}: the child finished before it could be killed (${JSON.stringify(run.exit)} ${run.stderr})`);
        assert.equal(run.exit.signal, 'SIGKILL');
      }

      const others = fs.readdirSync(fixture.dir).filter((name) => name !== NAME && name !== path.basename(fixture.changesPath));
      for (const name of others) {
        const match = TEMP_NAME.exec(name);
        assert.ok(match, `${what}: unexpected file ${name} next to the target`);
        // Hidden, named after the file it would have replaced, the killed process and .tmp:
        // nothing opens it as a trajectory file and a user can tell where it came from.
        assert.ok(!name.endsWith('.traj.jsonl'));
        const leftover = fs.readFileSync(path.join(fixture.dir, name));
        assert.ok(leftover.length <= fixture.newBytes.length && fixture.newBytes.subarray(0, leftover.length).equals(leftover), `${what}: the leftover ${name} is a prefix of the new content`);
        fs.rmSync(path.join(fixture.dir, name));
      }
      fs.writeFileSync(fixture.file, fixture.oldBytes);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`# ${(fixture.oldBytes.length / 1e6).toFixed(1)} MB, lines ${fixture.changedLines.join(', ')} changed; ${outcomes.join('; ')}; ${seconds.toFixed(1)} s`);
    // The kills landed in the save: the early ones found a partial temp file and left the old file.
    assert.ok(outcomes.slice(0, 3).every((o) => o.endsWith(': old')), `early kills keep the old file: ${outcomes.join('; ')}`);
  } finally {
    fs.rmSync(fixture.dir, { recursive: true, force: true });
  }
});
