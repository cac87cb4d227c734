import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultViewState, parseViewState } from '../../webview/persisted-state';
import { brokenRowText, questionLine } from '../../webview/format';
import { captionLines } from '../../webview/tree/node-view';
import { centreOn, detailLevel, fitTransform, visibleRect } from '../../webview/tree/zoom-math';
import { buildTreeModel } from '../../webview/tree/tree-model';
import type { TrajectoryView } from '../../src/protocol';
import { slimTaskTreeOf } from '../../src/core/view/slim-task-tree';
import { buildSearchTree } from '../../src/core/tree/search-tree';

test('a saved view state is read defensively: bad fields fall back, good ones survive', () => {
  assert.deepEqual(parseViewState(null), defaultViewState());
  assert.deepEqual(parseViewState('garbage'), defaultViewState());
  const state = parseViewState({
    filter: { text: 'sign', statuses: ['void', 'nonsense', 'broken'], correct: [true, 'yes', null], reviewStatuses: ['accepted', 'maybe'], minTurns: 2, maxTurns: -1 },
    sort: { key: 'turns', descending: true },
    scrollTop: 480,
    selectedLine: 12,
    selectedTurn: 1.5,
    zoomByTask: { a: { k: 2, x: 10, y: -4 }, b: { k: 0, x: 1, y: 1 }, c: 'x' },
    centreView: 'charts',
    rawText: 'yes',
  });
  assert.deepEqual(state.filter, { text: 'sign', statuses: ['void', 'broken'], correct: [true, null], reviewStatuses: ['accepted'], minTurns: 2 });
  assert.deepEqual(state.sort, { key: 'turns', descending: true });
  assert.equal(state.scrollTop, 480);
  assert.equal(state.selectedLine, 12);
  assert.equal(state.selectedTurn, null);
  assert.deepEqual(state.zoomByTask, { a: { k: 2, x: 10, y: -4 } });
  assert.equal(state.centreView, 'charts');
  assert.equal(state.rawText, false);
  assert.deepEqual(parseViewState({ sort: { key: 'nope' } }).sort, defaultViewState().sort);
});

test('zoom math: fit centres the content, centreOn puts a point mid-viewport, visibleRect inverts the transform', () => {
  const fit = fitTransform({ width: 400, height: 200 }, { width: 848, height: 448 }, 24);
  assert.equal(fit.k, 1.5, 'never magnified past 1.5');
  assert.deepEqual(fitTransform({ width: 1600, height: 400 }, { width: 848, height: 448 }, 24), { k: 0.5, x: 24, y: 124 });
  const t = centreOn({ x: 100, y: 50 }, 2, { width: 600, height: 400 });
  assert.deepEqual(t, { k: 2, x: 100, y: 100 });
  assert.deepEqual(visibleRect(t, { width: 600, height: 400 }), { x0: -50, y0: -50, x1: 250, y1: 150 });
  assert.equal(detailLevel(0.8), 'overview');
  assert.equal(detailLevel(0.81), 'detail');
});

test('list and caption text helpers', () => {
  assert.equal(questionLine('<image>\nWhat   is\nwritten?'), 'What is written?');
  assert.equal(brokenRowText(9, '/w/demos.traj.jsonl:9: invalid JSON: x'), 'line 9: invalid JSON: x');
  assert.equal(brokenRowText(9, 'no location'), 'line 9: no location');
  assert.deepEqual(captionLines('Short one.'), ['Short one.']);
  const lines = captionLines('I am looking for the blue sign with a yellow border somewhere in the top right');
  assert.equal(lines.length, 2);
  assert.ok(lines[1]!.endsWith('…'), 'a cut caption says so');
  assert.ok(lines.every((l) => l.length <= 25));
});

test('the tree model draws each crop box on its parent, in the parent image’s pixels', () => {
  const turn = (index: number, observationIndex: number, sourceIndex: number, pixelBox: [number, number, number, number], boxInOriginal: [number, number, number, number]) => ({
    index, text: '', think: 'Look here.', answer: null, grounding: null, action: 'crop' as const, status: 'valid' as const,
    sourceIndex, pixelBox, boxInOriginal, observationIndex, feedback: null, findings: [], edited: false,
  });
  const view: TrajectoryView = {
    line: 1, id: 'a', task: { id: 't', question: 'q', answer: null, gtBox: null, dataSource: null }, model: null,
    limits: { max_turns: 12, max_images: 12, min_pixels: 1, max_pixels: 2, max_context: 3 },
    status: 'valid', answer: null, correct: null, reviewStatus: 'unreviewed', fork: null,
    turns: [turn(0, 1, 0, [2000, 0, 4000, 1500], [2000, 0, 4000, 1500]), turn(1, 2, 1, [0, 0, 1000, 750], [2000, 0, 3000, 750])],
    observations: [{ index: 0, turn: -1, size: { width: 4000, height: 3000 }, modelSize: { width: 1, height: 1 }, modelTokens: 1, rectInOriginal: [0, 0, 4000, 3000] }],
    findings: [], raw: null,
  };
  const model = buildTreeModel(slimTaskTreeOf({ taskId: 't', trajectories: [view] }));
  const byId = new Map(model.nodes.map((m) => [m.node.id, m]));
  const root = byId.get('root')!;
  assert.deepEqual(root.imageSize, { width: 4000, height: 3000 });
  assert.deepEqual(root.thumb, { width: 120, height: 90 });
  assert.deepEqual(root.childBoxes, [{ childId: 'a#0', box: [2000, 0, 4000, 1500], colour: 'green' }]);
  const first = byId.get('a#0')!;
  assert.deepEqual(first.imageSize, { width: 2000, height: 1500 }, 'an observation’s own size comes from its rectangle in the original');
  assert.deepEqual(first.childBoxes.map((c) => c.box), [[0, 0, 1000, 750]], 'the crop of a crop is drawn in observation_1 pixels');
});

test('the slim task tree builds the same search tree as the full views, with one line of reasoning per turn', () => {
  const think = 'The sign is small.  \nZoom into the top right corner, where the text is.\nThen read it.';
  const turn = (index: number, action: 'crop' | 'answer', extra: Partial<TrajectoryView['turns'][number]>): TrajectoryView['turns'][number] => ({
    index, text: `<think>${think}</think>`, think, answer: action === 'answer' ? 'STOP' : null, grounding: null, action, status: 'valid', feedback: null, findings: [], edited: false, ...extra,
  });
  const view = (line: number, id: string, fork: TrajectoryView['fork']): TrajectoryView => ({
    line, id, task: { id: 't', question: 'q', answer: 'STOP', gtBox: null, dataSource: null }, model: null,
    limits: { max_turns: 12, max_images: 12, min_pixels: 1, max_pixels: 2, max_context: 3 },
    status: 'valid', answer: 'STOP', correct: line === 1, reviewStatus: 'unreviewed', fork,
    turns: [turn(0, 'crop', { sourceIndex: 0, pixelBox: [0, 0, 50, 50], boxInOriginal: [0, 0, 50, 50], observationIndex: 1 }), turn(1, 'answer', {})],
    observations: [{ index: 0, turn: -1, size: { width: 100, height: 80 }, modelSize: { width: 1, height: 1 }, modelTokens: 1, rectInOriginal: [0, 0, 100, 80] }],
    findings: [{ severity: 'warning', field: 'turns.0', message: 'x'.repeat(500) }], raw: { big: 'y'.repeat(5000) },
  });
  const full = { taskId: 't', trajectories: [view(1, 'a', null), view(2, 'b', { trajectoryId: 'a', turn: 1 })] };
  const slim = slimTaskTreeOf(full);
  assert.deepEqual(buildSearchTree(slim.trajectories), buildSearchTree(full.trajectories));
  assert.equal(slim.trajectories[0]!.turns[0]!.think, 'The sign is small.  ');
  assert.deepEqual(slim.trajectories[0]!.originalSize, { width: 100, height: 80 });
  assert.ok(JSON.stringify(slim).length * 5 < JSON.stringify(full).length, 'raw lines, findings and texts stay on the host');
});
