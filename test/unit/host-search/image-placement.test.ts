import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultSearchFile, placeImage, planImagePlacement } from '../../../src/host/search/image-placement';
import { lastLineNumber } from '../../../src/host/search/file-lines';
import { SearchProgressText } from '../../../src/host/search/search-progress';
import type { Trajectory } from '../../../src/core/trajectory/schema';

const ws = '/w';
const out = defaultSearchFile(ws);

test('searches go to <workspace>/mini-o3-runs/searches.traj.jsonl', () => {
  assert.equal(out, path.join('/w', 'mini-o3-runs', 'searches.traj.jsonl'));
});

test('an image under the output folder is referenced; under the workspace and an image root too; else copied', () => {
  assert.deepEqual(planImagePlacement('/w/mini-o3-runs/images/a.png', out, ws, []), { kind: 'reference', relative: 'images/a.png' });
  assert.deepEqual(planImagePlacement('/w/photos/a.png', out, ws, ['/w']), { kind: 'reference', relative: '../photos/a.png' });
  // In the workspace but no image root lets the editor read it there: copied so the picture shows.
  assert.deepEqual(planImagePlacement('/w/photos/a.png', out, ws, []), { kind: 'copy', folder: '/w/mini-o3-runs/images' });
  // Outside the workspace, an image root alone does not make the file depend on that folder.
  assert.deepEqual(planImagePlacement('/data/a.png', out, ws, ['/data']), { kind: 'copy', folder: '/w/mini-o3-runs/images' });
  assert.deepEqual(planImagePlacement('/w/photos/a.png', out, null, ['/w']), { kind: 'copy', folder: '/w/mini-o3-runs/images' });
});

test('copies keep the name, reuse an identical copy and never overwrite another file of that name', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'host-search-place-'));
  try {
    const outFile = path.join(dir, 'ws', 'mini-o3-runs', 'searches.traj.jsonl');
    const first = path.join(dir, 'a', 'photo.png');
    const second = path.join(dir, 'b', 'photo.png');
    fs.mkdirSync(path.dirname(first), { recursive: true });
    fs.mkdirSync(path.dirname(second), { recursive: true });
    fs.writeFileSync(first, 'first bytes');
    fs.writeFileSync(second, 'other bytes');
    const plan = planImagePlacement(first, outFile, path.join(dir, 'ws'), []);
    assert.equal(await placeImage(first, outFile, plan), 'images/photo.png');
    assert.equal(await placeImage(first, outFile, plan), 'images/photo.png');
    const other = await placeImage(second, outFile, plan);
    assert.match(other, /^images\/photo-[0-9a-f]{8}\.png$/);
    assert.equal(fs.readFileSync(path.join(path.dirname(outFile), 'images', 'photo.png'), 'utf8'), 'first bytes');
    assert.equal(fs.readFileSync(path.join(path.dirname(outFile), other), 'utf8'), 'other bytes');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the last line number counts a final line without a newline and ignores nothing else', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'host-search-lines-'));
  try {
    const file = path.join(dir, 'f.jsonl');
    const cases: [string, number][] = [['', 0], ['{}\n', 1], ['{}\n{}', 2], ['{}\r\n\n{}\n', 3]];
    for (const [text, expected] of cases) {
      fs.writeFileSync(file, text);
      assert.equal(await lastLineNumber(file), expected, JSON.stringify(text));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the progress line follows the turn: waiting, thinking, cropping the next observation, answering, done', () => {
  const p = new SearchProgressText();
  const seen: (string | null)[] = [];
  seen.push(p.update({ type: 'turnStarted', turn: 0 }));
  seen.push(p.update({ type: 'textDelta', turn: 0, delta: '<think>look' }));
  seen.push(p.update({ type: 'textDelta', turn: 0, delta: ' closer</think>' }));
  seen.push(p.update({ type: 'textDelta', turn: 0, delta: '<grounding>{"bbox_2d"' }));
  seen.push(p.update({ type: 'cropMade', turn: 0, observationIndex: 1, rectInOriginal: [0, 0, 10, 10], size: { width: 10, height: 10 }, modelSize: { width: 28, height: 28 } }));
  seen.push(p.update({ type: 'turnStarted', turn: 1 }));
  seen.push(p.update({ type: 'textDelta', turn: 1, delta: '<grounding>' }));
  seen.push(p.update({ type: 'turnRestarted', turn: 1 }));
  seen.push(p.update({ type: 'textDelta', turn: 1, delta: '<answer>K7' }));
  seen.push(p.update({ type: 'trajectoryFinished', trajectory: { outcome: { status: 'answered' } } as Trajectory }));
  assert.deepEqual(seen, [
    'turn 1 · waiting for the model…', 'turn 1 · thinking…', null, 'turn 1 · cropping observation_1…', 'turn 1 · cropped observation_1',
    'turn 2 · waiting for the model…', 'turn 2 · cropping observation_2…', 'turn 2 · waiting for the model…', 'turn 2 · answering…',
    'answered after 2 turns',
  ]);
  // A fork continues the observation count of its kept turns.
  const fork = new SearchProgressText(3);
  fork.update({ type: 'turnStarted', turn: 3 });
  assert.equal(fork.update({ type: 'textDelta', turn: 3, delta: '<grounding>' }), 'turn 4 · cropping observation_4…');
});
