import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { writeSynthDataset, type SynthDatasetOptions } from '../../../src/core/synth/dataset';
import { SIGN_COLOURS } from '../../../src/core/synth/sign-content';
import { signPixelMismatches } from './sign-pixels';

const SMALL: Pick<SynthDatasetOptions, 'width' | 'height' | 'distractors'> = {
  width: [320, 560],
  height: [240, 400],
  distractors: [3, 6],
};

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'synth-dataset-'));
}

function filesOf(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const name of fs.readdirSync(path.join(dir, 'images')).sort()) out.set(name, fs.readFileSync(path.join(dir, 'images', name)));
  out.set('tasks.json', fs.readFileSync(path.join(dir, 'tasks.json')));
  return out;
}

test('same seed writes byte-identical tasks.json and images; another seed differs', async () => {
  const [a, b, c] = [tempDir(), tempDir(), tempDir()];
  await writeSynthDataset(a, { tasks: 3, seed: 4, ...SMALL });
  await writeSynthDataset(b, { tasks: 3, seed: 4, ...SMALL });
  await writeSynthDataset(c, { tasks: 3, seed: 5, ...SMALL });
  const filesA = filesOf(a);
  const filesB = filesOf(b);
  assert.deepEqual([...filesA.keys()], [...filesB.keys()]);
  for (const [name, bytes] of filesA) assert.ok(bytes.equals(filesB.get(name) ?? Buffer.alloc(0)), `${name} differs`);
  const filesC = filesOf(c);
  assert.ok(!filesC.get('tasks.json')?.equals(filesA.get('tasks.json') ?? Buffer.alloc(0)));
  const imageA = [...filesA.values()][0] ?? Buffer.alloc(0);
  for (const bytes of filesC.values()) assert.ok(!bytes.equals(imageA));
});

test('tasks.json rows carry exactly the VisualProbe fields plus gt_box, and match the returned tasks', async () => {
  const dir = tempDir();
  const progress: string[] = [];
  const result = await writeSynthDataset(dir, { tasks: 4, seed: 9, ...SMALL, onProgress: (p) => progress.push(`${p.done}/${p.total} ${p.docId}`) });
  const rows = JSON.parse(fs.readFileSync(path.join(dir, 'tasks.json'), 'utf8')) as Record<string, unknown>[];
  assert.equal(rows.length, 4);
  assert.equal(result.tasksFile, path.join(dir, 'tasks.json'));
  rows.forEach((row, i) => {
    const task = result.tasks[i];
    assert.ok(task);
    assert.deepEqual(Object.keys(row), ['images', 'doc_id', 'problem', 'solution', 'data_source', 'gt_box']);
    assert.deepEqual(row, {
      images: [`images/${task.docId}.jpg`],
      doc_id: task.docId,
      problem: task.problem,
      solution: task.solution,
      data_source: 'synthetic_probe',
      gt_box: task.gtBox,
    });
    assert.ok(path.isAbsolute(task.imagePath));
    assert.equal(task.imagePath, path.join(dir, 'images', `${task.docId}.jpg`));
  });
  assert.equal(new Set(rows.map((r) => r.doc_id)).size, 4);
  assert.deepEqual(progress, result.tasks.map((t, i) => `${i + 1}/4 ${t.docId}`));
  assert.deepEqual(fs.readdirSync(dir).sort(), ['images', 'tasks.json'], 'no temporary files left behind');
});

test('JPEG images decode to the recorded size and show the target sign inside gt_box', async () => {
  const dir = tempDir();
  const { tasks } = await writeSynthDataset(dir, { tasks: 3, seed: 31, ...SMALL });
  for (const task of tasks) {
    const { data, info } = await sharp(task.imagePath).raw().toBuffer({ resolveWithObject: true });
    assert.equal(info.format, 'raw');
    assert.equal(info.width, task.width);
    assert.equal(info.height, task.height);
    const channels = info.channels;
    const fill = SIGN_COLOURS[task.target.fill];
    // The band between the border and the text is plain fill; JPEG moves it only a little.
    const [x0, y0, x1] = task.gtBox;
    const inset = task.target.borderWidth + 1;
    let close = 0;
    let total = 0;
    for (let x = x0 + inset + 2; x < x1 - inset - 2; x++) {
      const offset = ((y0 + inset) * info.width + x) * channels;
      const distance = Math.max(...[0, 1, 2].map((c) => Math.abs((data[offset + c] ?? 0) - fill[c as 0 | 1 | 2])));
      total++;
      if (distance <= 40) close++;
    }
    assert.ok(close / total > 0.8, `${task.docId}: only ${close}/${total} pixels near ${task.target.fill} inside gt_box`);
  }
});

test('PNG output is lossless: the target board matches its fill, border and glyphs exactly', async () => {
  const dir = tempDir();
  const { tasks } = await writeSynthDataset(dir, { tasks: 2, seed: 12, format: 'png', ...SMALL });
  for (const task of tasks) {
    assert.ok(task.imagePath.endsWith('.png'));
    const { data, info } = await sharp(task.imagePath).raw().toBuffer({ resolveWithObject: true });
    assert.equal(info.channels, 3);
    assert.deepEqual(signPixelMismatches({ width: info.width, height: info.height, data }, task.target).slice(0, 5), []);
    for (const distractor of task.distractors) {
      assert.deepEqual(signPixelMismatches({ width: info.width, height: info.height, data }, distractor).slice(0, 5), []);
    }
  }
});

const PIL_CHECK = `
import json, sys
from PIL import Image
out = []
for p in sys.argv[1:]:
    im = Image.open(p)
    out.append([im.format, im.mode, im.size[0], im.size[1]])
print(json.dumps(out))
`;
const hasPil = spawnSync('/usr/bin/python3', ['-c', 'import PIL'], { encoding: 'utf8' }).status === 0;

test('an independent decoder (PIL) reads the JPEGs as RGB of the recorded size', { skip: hasPil ? false : '/usr/bin/python3 with PIL not available' }, async () => {
  const dir = tempDir();
  const { tasks } = await writeSynthDataset(dir, { tasks: 2, seed: 2, ...SMALL });
  const run = spawnSync('/usr/bin/python3', ['-c', PIL_CHECK, ...tasks.map((t) => t.imagePath)], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), tasks.map((t) => ['JPEG', 'RGB', t.width, t.height]));
});

test('abort stops the run and writes no tasks.json; an existing tasks.json is not overwritten by default', async () => {
  const dir = tempDir();
  const controller = new AbortController();
  await assert.rejects(
    writeSynthDataset(dir, {
      tasks: 10, seed: 1, ...SMALL, signal: controller.signal,
      onProgress: (p) => { if (p.done === 2) controller.abort(); },
    }),
    (error: unknown) => error instanceof Error && error.name === 'AbortError',
  );
  assert.equal(fs.existsSync(path.join(dir, 'tasks.json')), false);
  assert.ok(fs.readdirSync(path.join(dir, 'images')).length < 10);

  await writeSynthDataset(dir, { tasks: 1, seed: 1, ...SMALL, overwrite: true });
  const before = fs.readFileSync(path.join(dir, 'tasks.json'));
  await assert.rejects(writeSynthDataset(dir, { tasks: 1, seed: 2, ...SMALL }), /tasks\.json: already exists/);
  assert.ok(fs.readFileSync(path.join(dir, 'tasks.json')).equals(before));
});

test('bad options are refused before anything is written', async () => {
  const dir = path.join(tempDir(), 'out');
  await assert.rejects(writeSynthDataset(dir, { tasks: 0, seed: 1 }), /options\.tasks must be a positive integer/);
  await assert.rejects(writeSynthDataset(dir, { tasks: 1, seed: 0.5 }), /options\.seed/);
  await assert.rejects(writeSynthDataset(dir, { tasks: 1, seed: 1, jpegQuality: 0 }), /jpegQuality/);
  await assert.rejects(writeSynthDataset(dir, { tasks: 1, seed: 1, width: [10, 20] }), /width/);
  assert.equal(fs.existsSync(dir), false);
});
