import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TrajectoryFile } from '../../../src/core/store';
import { line, tempDir } from './fixtures';

const TARGET_BYTES = 50 * 1024 * 1024;

test('a 50 MB file indexes with memory growth far below its size', async () => {
  const dir = tempDir('store-large-');
  const filePath = path.join(dir, 'large.traj.jsonl');
  // One ~1 MiB block of lines written repeatedly: fast to make, realistic line lengths.
  const lines: string[] = [];
  let blockBytes = 0;
  for (let i = 0; blockBytes < 1024 * 1024; i++) {
    const text = `${line(i)}\n`;
    lines.push(text);
    blockBytes += Buffer.byteLength(text);
  }
  const block = Buffer.from(lines.join(''));
  const repeats = Math.ceil(TARGET_BYTES / block.length);
  const fd = fs.openSync(filePath, 'w');
  for (let r = 0; r < repeats; r++) fs.writeSync(fd, block);
  fs.closeSync(fd);
  const size = fs.statSync(filePath).size;
  const expectedLines = lines.length * repeats;

  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
  const started = performance.now();
  const file = await TrajectoryFile.open(filePath);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);

  try {
    assert.equal(file.lineCount, expectedLines);
    const growth = peak - baseline;
    const offsetBytes = expectedLines * 8;
    // Constant buffers (1 MiB chunk) plus the offset array; allow slack for the GC, not for the file.
    assert.ok(growth < size / 4, `RSS grew ${(growth / 1e6).toFixed(1)} MB indexing ${(size / 1e6).toFixed(0)} MB (offsets ${(offsetBytes / 1e6).toFixed(1)} MB)`);
    assert.ok(seconds < 3, `indexing took ${seconds.toFixed(2)} s`);
    const middle = await file.get(Math.floor(expectedLines / 2));
    assert.ok(middle.ok);
    const last = await file.get(expectedLines - 1);
    assert.ok(last.ok && last.trajectory.id === `traj-${lines.length - 1}`);
    console.log(`indexed ${(size / 1e6).toFixed(0)} MB, ${expectedLines} lines in ${seconds.toFixed(2)} s; RSS +${((peak - baseline) / 1e6).toFixed(1)} MB`);
  } finally {
    await file.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
