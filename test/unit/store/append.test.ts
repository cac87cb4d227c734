import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TrajectoryAppender, TrajectoryFile, appendTrajectories } from '../../../src/core/store';
import { line, sampleTrajectory, tempDir, writeFile } from './fixtures';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('appendTrajectories creates the file and writes whole lines', async () => {
  const target = path.join(dir, 'new.traj.jsonl');
  await appendTrajectories(target, [sampleTrajectory(1)]);
  await appendTrajectories(target, [sampleTrajectory(2), sampleTrajectory(3)]);
  assert.equal(fs.readFileSync(target, 'utf8'), `${line(1)}\n${line(2)}\n${line(3)}\n`);
  const file = await TrajectoryFile.open(target);
  assert.equal(file.lineCount, 3);
  await file.close();
});

test('a file without a final newline gets one before the first appended line', async () => {
  const target = writeFile(dir, 'open-end.traj.jsonl', `${line(1)}`);
  await appendTrajectories(target, [sampleTrajectory(2)]);
  assert.equal(fs.readFileSync(target, 'utf8'), `${line(1)}\n${line(2)}\n`);
});

test('CRLF files get CRLF lines, whether or not they end in one', async () => {
  const ended = writeFile(dir, 'crlf-ended.traj.jsonl', `${line(1)}\r\n`);
  await appendTrajectories(ended, [sampleTrajectory(2)]);
  assert.equal(fs.readFileSync(ended, 'utf8'), `${line(1)}\r\n${line(2)}\r\n`);
  const open = writeFile(dir, 'crlf-open.traj.jsonl', `${line(1)}\r\n${line(2)}`);
  await appendTrajectories(open, [sampleTrajectory(3)]);
  assert.equal(fs.readFileSync(open, 'utf8'), `${line(1)}\r\n${line(2)}\r\n${line(3)}\r\n`);
});

test('each appended value is one write: concurrent appenders never interleave inside a line', async () => {
  const target = path.join(dir, 'concurrent.traj.jsonl');
  const writers = await Promise.all([TrajectoryAppender.open(target), TrajectoryAppender.open(target)]);
  await Promise.all(writers.map((w, k) => Promise.all(Array.from({ length: 200 }, (_, i) => w.append(sampleTrajectory(k * 1000 + i))))));
  await Promise.all(writers.map((w) => w.close()));
  const lines = fs.readFileSync(target, 'utf8').split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, 400);
  for (const l of lines) assert.equal((JSON.parse(l) as { zz_extra: unknown }).zz_extra !== undefined, true);
});

test('values JSON cannot represent are refused', async () => {
  await assert.rejects(appendTrajectories(path.join(dir, 'bad.traj.jsonl'), [undefined]), /value cannot be written as JSON/);
});
