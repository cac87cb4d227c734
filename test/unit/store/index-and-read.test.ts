import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { TrajectoryFile, type TrajectoryRecord } from '../../../src/core/store';
import { formatFinding } from '../../../src/core/trajectory/findings';
import { line, tempDir, writeFile } from './fixtures';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

async function allRecords(file: TrajectoryFile): Promise<TrajectoryRecord[]> {
  const out: TrajectoryRecord[] = [];
  for (let i = 0; i < file.lineCount; i++) out.push(await file.get(i));
  return out;
}

test('LF file: one record per line, spans point at each line', async () => {
  const content = `${line(1)}\n${line(2)}\n${line(3)}\n`;
  const file = await TrajectoryFile.open(writeFile(dir, 'lf.traj.jsonl', content));
  assert.equal(file.lineCount, 3);
  assert.deepEqual(file.layout, { bomBytes: 0, endsWithNewline: true, newline: '\n' });
  const second = file.span(1);
  assert.equal(content.slice(second.start, second.end), line(2));
  const records = await allRecords(file);
  assert.deepEqual(records.map((r) => r.ok), [true, true, true]);
  const r = records[1];
  assert.ok(r?.ok);
  assert.equal(r.line, 2);
  assert.equal(r.trajectory.id, 'traj-2');
  assert.deepEqual(r.raw.zz_extra, { nested: [1, 2, 3] });
  assert.equal((r.trajectory as Record<string, unknown>).zz_extra !== undefined, true);
  assert.equal(r.bytes.toString(), line(2));
  assert.deepEqual(file.notes, []);
  await file.close();
});

test('CRLF file: records parse, bytes exclude the terminator, style detected', async () => {
  const content = `${line(1)}\r\n${line(2)}\r\n`;
  const file = await TrajectoryFile.open(writeFile(dir, 'crlf.traj.jsonl', content));
  assert.equal(file.lineCount, 2);
  assert.equal(file.layout?.newline, '\r\n');
  const r = await file.get(1);
  assert.ok(r.ok);
  assert.equal(r.bytes.toString(), line(2));
  assert.equal(content.slice(file.span(0).start, file.span(0).end), `${line(1)}\r`);
  await file.close();
});

test('last line without a newline, and a BOM at the start', async () => {
  const content = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${line(1)}\n${line(2)}`)]);
  const file = await TrajectoryFile.open(writeFile(dir, 'bom.traj.jsonl', content));
  assert.equal(file.lineCount, 2);
  assert.deepEqual(file.layout, { bomBytes: 3, endsWithNewline: false, newline: '\n' });
  assert.equal(file.span(0).start, 3);
  assert.deepEqual(file.span(1), { start: 3 + line(1).length + 1, end: content.length, hasNewline: false });
  const records = await allRecords(file);
  assert.deepEqual(records.map((r) => r.ok), [true, true]);
  await file.close();
});

test('blank lines are kept as warnings, not errors', async () => {
  const content = `${line(1)}\n\n   \n${line(2)}\n`;
  const file = await TrajectoryFile.open(writeFile(dir, 'blank.traj.jsonl', content));
  assert.equal(file.lineCount, 4);
  const blank = await file.get(1);
  assert.ok(!blank.ok);
  assert.equal(blank.blank, true);
  assert.equal(blank.finding.severity, 'warning');
  assert.equal(blank.finding.line, 2);
  const spaces = await file.get(2);
  assert.ok(!spaces.ok && spaces.blank && spaces.text === '   ');
  assert.ok((await file.get(3)).ok);
  await file.close();
});

test('broken lines in the middle name file:line and field or column', async () => {
  const truncated = line(2).slice(0, 40);
  const wrongType = JSON.stringify({ id: 'x', task: { id: 't', question: 'q', images: ['a.jpg'] }, turns: 'x' });
  const nan = '{"id":"n","task":{"id":"t","question":"q","images":["a.jpg"],"gt_box":[1,2,NaN,4]},"turns":[]}';
  const content = [line(1), truncated, 'not json at all', wrongType, nan, line(6)].join('\n') + '\n';
  const filePath = writeFile(dir, 'broken.traj.jsonl', content);
  const file = await TrajectoryFile.open(filePath);
  assert.equal(file.lineCount, 6);
  const records = await allRecords(file);
  assert.deepEqual(records.map((r) => r.ok), [true, false, false, false, false, true]);

  const [, cut, text, typed, bad] = records;
  assert.ok(cut && !cut.ok);
  assert.equal(cut.text, truncated);
  assert.equal(cut.finding.message, `invalid JSON: Unexpected end of JSON input at column ${truncated.length + 1}`);
  assert.equal(formatFinding(cut.finding).startsWith(`${filePath}:2: invalid JSON`), true);

  assert.ok(text && !text.ok);
  assert.equal(text.finding.message, "invalid JSON: Unexpected token 'n' at column 1");

  assert.ok(typed && !typed.ok);
  assert.equal(typed.finding.field, 'turns');
  assert.equal(typed.finding.line, 4);
  assert.match(formatFinding(typed.finding), /broken\.traj\.jsonl:4: turns: /);

  assert.ok(bad && !bad.ok);
  assert.equal(bad.finding.message, `invalid JSON: Unexpected token 'N' at column ${nan.indexOf('NaN') + 1}`);
  await file.close();
});

test('a truncated last line reports the end of input with its column', async () => {
  const content = `${line(1)}\n{"id": "a", "turns": [`;
  const file = await TrajectoryFile.open(writeFile(dir, 'cut-end.traj.jsonl', content));
  const last = await file.get(1);
  assert.ok(!last.ok);
  assert.equal(last.finding.message, 'invalid JSON: Unexpected end of JSON input at column 23');
  await file.close();
});

test('invalid UTF-8 is a broken record whose bytes are exact', async () => {
  const bad = Buffer.concat([Buffer.from('{"id":"'), Buffer.from([0xff, 0xfe]), Buffer.from('","turns":[]}')]);
  const content = Buffer.concat([Buffer.from(`${line(1)}\n`), bad, Buffer.from('\n')]);
  const file = await TrajectoryFile.open(writeFile(dir, 'utf8.traj.jsonl', content));
  const r = await file.get(1);
  assert.ok(!r.ok);
  assert.deepEqual(r.bytes, bad);
  assert.match(r.finding.message, /not valid UTF-8 at byte 8/);
  await file.close();
});

test('empty file: 0 records and a clear note', async () => {
  const file = await TrajectoryFile.open(writeFile(dir, 'empty.traj.jsonl', ''));
  assert.equal(file.lineCount, 0);
  assert.equal(file.notes.length, 1);
  assert.match(formatFinding(file.notes[0]!), /empty\.traj\.jsonl: file is empty: 0 trajectories/);
  await assert.rejects(file.get(0), RangeError);
  await file.close();
});

test('a file holding only newlines is all blank lines', async () => {
  const file = await TrajectoryFile.open(writeFile(dir, 'newlines.traj.jsonl', '\n\n'));
  assert.equal(file.lineCount, 2);
  assert.equal(file.layout?.endsWithNewline, true);
  await file.close();
});

test('get() works for indexed lines while indexing goes on', async () => {
  const lines = Array.from({ length: 3000 }, (_, i) => line(i));
  const filePath = writeFile(dir, 'streaming.traj.jsonl', lines.join('\n') + '\n');
  const firstReads: Promise<{ record: TrajectoryRecord; stillIndexing: boolean }>[] = [];
  const progress: number[] = [];
  const file = await TrajectoryFile.openStreaming(filePath, {
    chunkBytes: 512,
    onProgress: (p) => progress.push(p.bytesRead / p.totalBytes),
    onLines: () => {
      if (firstReads.length === 0) firstReads.push(file.get(0).then((record) => ({ record, stillIndexing: file.indexing })));
    },
  });
  const early = await file.get(2);
  assert.ok(early.ok && early.trajectory.id === 'traj-2');
  assert.equal(firstReads.length, 1);
  const { record, stillIndexing } = await firstReads[0]!;
  assert.ok(record.ok && record.trajectory.id === 'traj-0');
  assert.equal(stillIndexing, true, 'line 0 should be readable before indexing ends');
  const late = await file.get(2999); // waits for the index to reach it
  assert.ok(late.ok && late.trajectory.id === 'traj-2999');
  await file.ready;
  assert.equal(file.lineCount, 3000);
  assert.equal(progress.at(-1), 1);
  assert.ok(progress.length > 100);
  await assert.rejects(file.get(3000), RangeError);
  await file.close();
});

test('an aborted index rejects `ready` and pending reads', async () => {
  const filePath = writeFile(dir, 'abort.traj.jsonl', Array.from({ length: 2000 }, (_, i) => line(i)).join('\n'));
  const controller = new AbortController();
  const file = await TrajectoryFile.openStreaming(filePath, {
    chunkBytes: 256,
    signal: controller.signal,
    onProgress: (p) => {
      if (p.bytesRead > 10_000) controller.abort();
    },
  });
  const pending = file.get(1999);
  await assert.rejects(file.ready, { name: 'AbortError' });
  await assert.rejects(pending, { name: 'AbortError' });
  assert.ok(file.lineCount > 0 && file.lineCount < 2000);
  await file.close();
});

test('LRU returns the cached record; records() reads everything in order', async () => {
  const filePath = writeFile(dir, 'iter.traj.jsonl', [line(0), 'oops', '', line(3)].join('\r\n'));
  const file = await TrajectoryFile.open(filePath, { cacheSize: 2 });
  const a = await file.get(0);
  assert.equal(await file.get(0), a);
  await file.get(1);
  await file.get(3);
  assert.notEqual(await file.get(0), a, 'evicted after two newer entries');
  const seen: string[] = [];
  for await (const r of file.records()) seen.push(`${r.line}:${r.ok ? 'ok' : r.blank ? 'blank' : 'broken'}`);
  assert.deepEqual(seen, ['1:ok', '2:broken', '3:blank', '4:ok']);
  await file.close();
});

test('not a regular file is refused with its path', async () => {
  await assert.rejects(TrajectoryFile.open(dir), /not a regular file|EISDIR/);
});

test('a line over maxLineBytes is reported, not loaded', async () => {
  const long = line(1);
  const file = await TrajectoryFile.open(writeFile(dir, 'long.traj.jsonl', `{"id":"s"}\n${long}\n`), { maxLineBytes: 100 });
  const iterated: TrajectoryRecord[] = [];
  for await (const r of file.records()) iterated.push(r);
  for (const r of [await file.get(1), iterated[1]]) {
    assert.ok(r && !r.ok);
    assert.match(r.finding.message, new RegExp(`line is ${long.length} bytes, over the 100-byte limit`));
  }
  await file.close();
});
