import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DatasetPathError, resolveDatasetPath } from '../../../src/core/store';
import { tempDir } from './fixtures';

const root = fs.realpathSync(tempDir('dataset-path-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const base = path.join(root, 'data');
const outside = path.join(root, 'outside');
fs.mkdirSync(path.join(base, 'img'), { recursive: true });
fs.mkdirSync(outside);
fs.writeFileSync(path.join(base, 'img', 'a.jpg'), 'x');
fs.writeFileSync(path.join(outside, 'secret.jpg'), 'x');
fs.symlinkSync(outside, path.join(base, 'link-out'));
fs.symlinkSync(path.join(base, 'img'), path.join(base, 'link-in'));

const where = { file: 'set/a.traj.jsonl', line: 7, field: 'task.images.0' };

function expectEscape(rel: string, pattern: RegExp, options = {}): void {
  assert.throws(
    () => resolveDatasetPath(base, rel, where, options),
    (error: unknown) => {
      assert.ok(error instanceof DatasetPathError);
      assert.ok(error.message.startsWith('set/a.traj.jsonl:7: task.images.0: '), error.message);
      assert.ok(error.message.includes(JSON.stringify(rel)), error.message);
      assert.match(error.message, pattern);
      return true;
    },
  );
}

test('relative paths resolve against the file folder', () => {
  assert.equal(resolveDatasetPath(base, 'img/a.jpg', where), path.join(base, 'img', 'a.jpg'));
  assert.equal(resolveDatasetPath(base, './img/../img/a.jpg', where), path.join(base, 'img', 'a.jpg'));
  assert.equal(resolveDatasetPath(base, 'img/not-yet.jpg', where), path.join(base, 'img', 'not-yet.jpg'));
});

test('.. escapes are refused with file:line field and the path', () => {
  expectEscape('../outside/secret.jpg', /outside the dataset folder/);
  expectEscape('img/../../outside/secret.jpg', /resolves to .*secret\.jpg/);
  expectEscape('..', /outside the dataset folder/);
});

test('absolute paths only inside the base or an allowed root', () => {
  assert.equal(resolveDatasetPath(base, path.join(base, 'img', 'a.jpg'), where), path.join(base, 'img', 'a.jpg'));
  expectEscape(path.join(outside, 'secret.jpg'), /outside the dataset folder/);
  expectEscape('/etc/passwd', /outside the dataset folder/);
  const allowed = resolveDatasetPath(base, path.join(outside, 'secret.jpg'), where, { allowedRoots: [outside] });
  assert.equal(allowed, path.join(outside, 'secret.jpg'));
});

test('a sibling folder sharing the prefix is not inside', () => {
  fs.mkdirSync(`${base}-evil`, { recursive: true });
  expectEscape(`${base}-evil/x.jpg`, /outside the dataset folder/);
  expectEscape('../data-evil/x.jpg', /outside the dataset folder/);
});

test('symlinks leading outside are refused; inside ones are fine', () => {
  expectEscape('link-out/secret.jpg', /symlink to .*outside.*secret\.jpg/);
  expectEscape('link-out/missing.jpg', /symlink/);
  assert.equal(resolveDatasetPath(base, 'link-in/a.jpg', where), path.join(base, 'link-in', 'a.jpg'));
});

test('empty and NUL paths are refused', () => {
  expectEscape('', /image path "" is empty/);
  expectEscape('a\0.jpg', /NUL byte/);
});
