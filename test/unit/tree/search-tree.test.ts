import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSearchTree, ROOT_ID, type TreeTrajectory } from '../../../src/core/tree/search-tree';
import { layoutSearchTree } from '../../../src/core/tree/layout';
import { replayTrajectory } from '../../../src/core/protocol/replay';
import { formatGrounding } from '../../../src/core/protocol/format-call';
import type { Trajectory } from '../../../src/core/trajectory/schema';

const size = { width: 4000, height: 3000 };
const crop = (b: number[], src: string) => `<think>Zooming in. More text.</think>\n${formatGrounding(b, src)}`;
const answer = (a: string) => `<think>Found.</think>\n<answer>${a}</answer>`;

function tree(id: string, line: number, texts: string[], fork?: { trajectory_id: string; turn: number }): TreeTrajectory {
  const t: Trajectory = { id, task: { id: 'task', question: '<image>\nq', images: ['x.jpg'] }, turns: texts.map((text) => ({ text })), ...(fork ? { fork } : {}) };
  const r = replayTrajectory(t, { originalSize: size });
  return {
    line,
    id,
    status: r.status,
    correct: null,
    fork: fork ? { trajectoryId: fork.trajectory_id, turn: fork.turn } : null,
    turns: r.turns.map((x) => ({ ...x, think: x.parsed.think, answer: x.parsed.answer })),
  };
}

test('observations hang under the image they were cropped from; rollouts branch from the root', () => {
  const a = tree('a', 1, [crop([0, 0, 0.5, 0.5], 'original_image'), crop([0.5, 0.5, 1, 1], 'observation_1'), crop([0.1, 0.1, 0.2, 0.2], 'original_image'), answer('X')]);
  const b = tree('b', 2, [crop([0.5, 0.5, 1, 1], 'original_image'), answer('Y')]);
  const nodes = buildSearchTree([a, b]);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  assert.equal(byId.get('a#0')!.parentId, ROOT_ID);
  assert.equal(byId.get('a#1')!.parentId, 'a#0', 'crop of a crop hangs under observation_1');
  assert.equal(byId.get('a#2')!.parentId, ROOT_ID, 'a later crop of the original hangs under the root');
  assert.equal(byId.get('a#3')!.parentId, 'a#2', 'the answer hangs under the image last looked at');
  assert.equal(byId.get('a#3')!.kind, 'answer');
  assert.equal(byId.get('b#0')!.parentId, ROOT_ID);
  assert.deepEqual(byId.get(ROOT_ID)!.lines, [1, 2]);
  assert.deepEqual(byId.get('a#1')!.boxOnParent, [1000, 750, 1999, 1499]);
  assert.equal(byId.get('a#0')!.caption, 'Zooming in.');
});

test('a fork shares its parent\'s nodes before the fork turn and branches after it', () => {
  const parent = tree('p', 1, [crop([0, 0, 0.5, 0.5], 'original_image'), crop([0.5, 0.5, 1, 1], 'observation_1'), answer('X')]);
  const fork = tree('f', 2, [crop([0, 0, 0.5, 0.5], 'original_image'), crop([0, 0, 0.5, 0.5], 'observation_1'), answer('Y')], { trajectory_id: 'p', turn: 1 });
  const nodes = buildSearchTree([fork, parent]); // fork listed first: still handled
  const byId = new Map(nodes.map((n) => [n.id, n]));
  assert.equal(byId.has('f#0'), false, 'turn 0 is shared');
  assert.deepEqual(byId.get('p#0')!.lines, [1, 2]);
  assert.equal(byId.get('f#1')!.parentId, 'p#0');
  assert.equal(byId.get('f#2')!.parentId, 'f#1');

  const layout = layoutSearchTree(nodes);
  assert.equal(layout.nodes.length, nodes.length);
  assert.equal(layout.links.length, nodes.length - 1);
  const pos = new Map(layout.nodes.map((n) => [n.node.id, n]));
  assert.ok(pos.get('p#1')!.y > pos.get('p#0')!.y, 'children sit below their parent');
  assert.notEqual(pos.get('p#1')!.x, pos.get('f#1')!.x, 'siblings do not overlap');
  for (const n of layout.nodes) assert.ok(n.x >= 0 && n.x <= layout.width && n.y <= layout.height);
});
