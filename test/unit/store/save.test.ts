import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  DELETE_LINE,
  TrajectoryFile,
  nodeSaveFileSystem,
  saveTrajectoryFile,
  writeTrajectoryFile,
  type SaveFileSystem,
} from '../../../src/core/store';
import { line, sampleTrajectory, tempDir, writeFile } from './fixtures';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Splits a buffer into lines with their terminators, so lines can be compared byte for byte. */
function splitKeepingTerminators(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let at = buf.indexOf(0x0a); at !== -1; at = buf.indexOf(0x0a, at + 1)) {
    out.push(buf.subarray(start, at + 1));
    start = at + 1;
  }
  if (start < buf.length) out.push(buf.subarray(start));
  return out;
}

const invalidUtf8 = Buffer.concat([Buffer.from('{"id":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
// Spaces and key order a re-serializer would not keep, a broken line, a blank line, invalid UTF-8.
const original = Buffer.concat([
  Buffer.from(`${line(0)}\n`),
  Buffer.from(`{ "id" : "spaced",  "task": {"id":"t","question":"q","images":["a.jpg"]}, "turns": [], "zz": 1e3 }\n`),
  Buffer.from(`${line(2)}\n`),
  Buffer.from('{"id": "broken", "turns": [\n'),
  Buffer.from('\n'),
  invalidUtf8,
  Buffer.from('\n'),
  Buffer.from(`${line(6)}\n`),
]);

test('changing one line keeps every other line byte-identical, broken ones included', async () => {
  const filePath = writeFile(dir, 'edit.traj.jsonl', original);
  const store = await TrajectoryFile.open(filePath);
  const record = await store.get(2);
  assert.ok(record.ok);
  const edited = { ...record.raw, review: { status: 'accepted' } };
  await saveTrajectoryFile(store, new Map([[2, edited]]));

  const before = splitKeepingTerminators(original);
  const after = splitKeepingTerminators(fs.readFileSync(filePath));
  assert.equal(after.length, before.length);
  for (let i = 0; i < before.length; i++) {
    if (i === 2) assert.equal(after[i]!.toString(), `${JSON.stringify(edited)}\n`);
    else assert.deepEqual(after[i], before[i], `line ${i + 1} changed`);
  }
  // The store re-indexed: it reads the new content, unknown fields intact.
  const reread = await store.get(2);
  assert.ok(reread.ok);
  assert.equal(reread.trajectory.review?.status, 'accepted');
  assert.deepEqual(reread.raw.zz_extra, { nested: [1, 2, 3] });
  assert.deepEqual((reread.raw.task as Record<string, unknown>).zz_note, 'keep me');
  assert.equal(store.lineCount, 7);
  await store.close();
});

test('delete and append keep order; CRLF, BOM and a missing final newline are kept', async () => {
  const bom = Buffer.from([0xef, 0xbb, 0xbf]);
  const content = Buffer.concat([bom, Buffer.from([line(0), 'broken {', line(2), line(3)].join('\r\n'))]);
  const filePath = writeFile(dir, 'crlf.traj.jsonl', content);
  const store = await TrajectoryFile.open(filePath);
  const result = await saveTrajectoryFile(store, new Map([[2, DELETE_LINE]]), [sampleTrajectory(9)]);
  const expected = Buffer.concat([bom, Buffer.from([line(0), 'broken {', line(3), line(9)].join('\r\n'))]);
  assert.deepEqual(fs.readFileSync(filePath), expected);
  assert.equal(result.lines, 4);
  assert.equal(result.bytes, expected.length);
  assert.equal(store.lineCount, 4);
  const appended = await store.get(3);
  assert.ok(appended.ok && appended.trajectory.id === 'traj-9');
  await store.close();
});

test('deleting the last line keeps the file ending the way it did', async () => {
  const filePath = writeFile(dir, 'tail.traj.jsonl', `${line(0)}\n${line(1)}\n${line(2)}`);
  const store = await TrajectoryFile.open(filePath);
  await saveTrajectoryFile(store, new Map([[2, DELETE_LINE]]));
  assert.equal(fs.readFileSync(filePath, 'utf8'), `${line(0)}\n${line(1)}`);
  await saveTrajectoryFile(store, new Map(), [sampleTrajectory(5)]);
  assert.equal(fs.readFileSync(filePath, 'utf8'), `${line(0)}\n${line(1)}\n${line(5)}`);
  await store.close();
});

test('appending to an empty file writes newline-terminated lines', async () => {
  const filePath = writeFile(dir, 'empty.traj.jsonl', '');
  const store = await TrajectoryFile.open(filePath);
  await saveTrajectoryFile(store, new Map(), [sampleTrajectory(1), sampleTrajectory(2)]);
  assert.equal(fs.readFileSync(filePath, 'utf8'), `${line(1)}\n${line(2)}\n`);
  await store.close();
});

test('bad change keys and values are refused before anything is written', async () => {
  const filePath = writeFile(dir, 'refuse.traj.jsonl', `${line(0)}\n`);
  const store = await TrajectoryFile.open(filePath);
  await assert.rejects(saveTrajectoryFile(store, new Map([[5, sampleTrajectory(1)]])), /line index 5, but the file has 1 lines/);
  await assert.rejects(saveTrajectoryFile(store, new Map([[0, undefined]])), /refuse\.traj\.jsonl:1: value cannot be written as JSON/);
  assert.equal(fs.readFileSync(filePath, 'utf8'), `${line(0)}\n`);
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')), []);
  await store.close();
});

test('a file changed on disk since opening is not overwritten', async () => {
  const filePath = writeFile(dir, 'changed.traj.jsonl', `${line(0)}\n`);
  const store = await TrajectoryFile.open(filePath);
  fs.appendFileSync(filePath, `${line(1)}\n`);
  await assert.rejects(saveTrajectoryFile(store, new Map([[0, DELETE_LINE]])), /changed on disk since it was opened/);
  assert.equal(fs.readFileSync(filePath, 'utf8'), `${line(0)}\n${line(1)}\n`);
  await store.close();
});

/**
 * Tests run as root, which ignores permission bits, so a read-only folder cannot make a real
 * write fail. A full disk is simulated by a file system whose writes fail with ENOSPC after
 * the first block; a failing rename stands for a read-only target. Everything else is real.
 */
function failingFileSystem(failAt: 'write' | 'rename'): SaveFileSystem {
  return {
    ...nodeSaveFileSystem,
    async createExclusive(p, mode) {
      const real = await nodeSaveFileSystem.createExclusive(p, mode);
      let writes = 0;
      return {
        ...real,
        async write(data) {
          if (failAt === 'write' && ++writes > 1) {
            throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
          }
          await real.write(data);
        },
      };
    },
    async rename(from, to) {
      if (failAt === 'rename') throw Object.assign(new Error(`EROFS: read-only file system, rename '${from}' -> '${to}'`), { code: 'EROFS' });
      await nodeSaveFileSystem.rename(from, to);
    },
  };
}

for (const failAt of ['write', 'rename'] as const) {
  test(`a failed save (${failAt}) throws a clear error and leaves the original intact`, async () => {
    const sub = fs.mkdtempSync(path.join(dir, `fail-${failAt}-`));
    // Enough lines for several 1 MiB write blocks.
    const big = Array.from({ length: 6000 }, (_, i) => line(i)).join('\n') + '\n';
    const filePath = writeFile(sub, 'a.traj.jsonl', big);
    const store = await TrajectoryFile.open(filePath);
    await assert.rejects(
      saveTrajectoryFile(store, new Map([[0, DELETE_LINE]]), [], { fileSystem: failingFileSystem(failAt) }),
      (error: Error) => {
        assert.match(error.message, new RegExp(`could not save .*a\\.traj\\.jsonl: ${failAt === 'write' ? 'ENOSPC' : 'EROFS'}`));
        assert.match(error.message, /the original file is unchanged/);
        return true;
      },
    );
    assert.equal(fs.readFileSync(filePath, 'utf8'), big);
    assert.deepEqual(fs.readdirSync(sub), ['a.traj.jsonl'], 'temp file removed');
    // The store still works and a later save succeeds.
    assert.equal(store.lineCount, 6000);
    await saveTrajectoryFile(store, new Map([[0, DELETE_LINE]]));
    assert.equal(store.lineCount, 5999);
    await store.close();
  });
}

test('writeTrajectoryFile into a folder that cannot exist fails for real and names the target', async () => {
  const notAFolder = writeFile(dir, 'plain-file', 'x');
  const target = path.join(notAFolder, 'out.traj.jsonl');
  await assert.rejects(writeTrajectoryFile(target, [sampleTrajectory(1)]), /could not save .*out\.traj\.jsonl: ENOTDIR.*original file is unchanged/);
  assert.equal(fs.readFileSync(notAFolder, 'utf8'), 'x');
});

test('writeTrajectoryFile writes one JSON line per value', async () => {
  const target = path.join(dir, 'new.traj.jsonl');
  await writeTrajectoryFile(target, [sampleTrajectory(1), sampleTrajectory(2)], { newline: '\r\n' });
  assert.equal(fs.readFileSync(target, 'utf8'), `${line(1)}\r\n${line(2)}\r\n`);
});
