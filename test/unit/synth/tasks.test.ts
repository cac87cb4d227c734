import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { generateTask, planTask, resolveTaskOptions, TARGET_MAX_WIDTH } from '../../../src/core/synth/tasks';
import { boxesOverlap, signFootprint } from '../../../src/core/synth/sign';
import { SIGN_COLOUR_NAMES } from '../../../src/core/synth/sign-content';
import { isDrawableText } from '../../../src/core/synth/bitmap-font';
import { signPixelMismatches } from './sign-pixels';

const SMALL = { width: [400, 700], height: [300, 500], distractors: [4, 8] } as const;

function sha(buffer: Buffer): string {
  return createHash('sha256').update(buffer).digest('hex');
}

test('same seed and index give identical pixels and plan; another seed or index does not', () => {
  const a = generateTask(11, 3, SMALL);
  const b = generateTask(11, 3, SMALL);
  assert.deepEqual(a.task, b.task);
  assert.equal(sha(a.image.data), sha(b.image.data));
  const otherSeed = generateTask(12, 3, SMALL);
  const otherIndex = generateTask(11, 4, SMALL);
  assert.notEqual(sha(otherSeed.image.data), sha(a.image.data));
  assert.notEqual(sha(otherIndex.image.data), sha(a.image.data));
  assert.notDeepEqual(otherSeed.task.gtBox, a.task.gtBox);
});

test('default sizes are large and in range; image buffer matches the size', () => {
  for (let index = 0; index < 40; index++) {
    const task = planTask(5, index);
    assert.ok(task.width >= 3000 && task.width <= 5000, `width ${task.width}`);
    assert.ok(task.height >= 2000 && task.height <= 3500, `height ${task.height}`);
  }
  const { task, image } = generateTask(5, 0, SMALL);
  assert.ok(task.width >= 400 && task.width <= 700 && task.height >= 300 && task.height <= 500);
  assert.equal(image.width, task.width);
  assert.equal(image.height, task.height);
  assert.equal(image.data.length, task.width * task.height * 3);
});

test('target: small, inside the image, text drawable, distinct from distractor texts', () => {
  for (let index = 0; index < 200; index++) {
    const task = planTask(77, index, SMALL);
    const [x0, y0, x1, y1] = task.gtBox;
    assert.deepEqual(task.gtBox, task.target.box);
    assert.ok(x0 >= 0 && y0 >= 0 && x1 <= task.width && y1 <= task.height, `box ${task.gtBox} in ${task.width}x${task.height}`);
    assert.ok(x1 - x0 >= 40 && x1 - x0 <= TARGET_MAX_WIDTH, `target width ${x1 - x0}`);
    assert.equal(task.solution, task.target.text);
    assert.ok(task.solution.length >= 3 && isDrawableText(task.solution), task.solution);
    for (const distractor of task.distractors) assert.notEqual(distractor.text, task.solution);
  }
});

test('no distractor overlaps the target (board or post), nor another distractor', () => {
  let distractorsSeen = 0;
  for (let index = 0; index < 200; index++) {
    const task = planTask(3, index, SMALL);
    const target = signFootprint(task.target);
    task.distractors.forEach((distractor, i) => {
      const footprint = signFootprint(distractor);
      assert.ok(!boxesOverlap(footprint, target), `task ${index}: distractor ${i} ${footprint} overlaps target ${target}`);
      for (const other of task.distractors.slice(i + 1)) assert.ok(!boxesOverlap(footprint, signFootprint(other)));
      distractorsSeen++;
    });
  }
  assert.ok(distractorsSeen > 200 * 3, `only ${distractorsSeen} distractors placed`);
});

test('the question names a fill + border pair that only the target has, and a matching location', () => {
  let sharedOneAttribute = 0;
  for (let index = 0; index < 200; index++) {
    const task = planTask(21, index, SMALL);
    const { fill, border } = task.target;
    assert.ok(task.problem.startsWith('<image>\n'));
    assert.equal(task.problem, `<image>\n${task.question}`);
    assert.ok(!task.question.includes(task.solution), 'the question must not give the answer away');
    const namedColours = SIGN_COLOUR_NAMES.filter((name) => new RegExp(`\\b${name}\\b`).test(task.question));
    assert.deepEqual(new Set(namedColours), new Set([fill, border]), task.question);
    assert.ok(task.question.includes(`${fill} sign`), task.question);
    assert.ok(task.question.includes(`${border} border`), task.question);
    assert.ok(task.question.toLowerCase().includes(task.locationHint.toLowerCase()));
    for (const distractor of task.distractors) {
      assert.ok(distractor.fill !== fill || distractor.border !== border, `task ${index}: distractor shares ${fill}/${border}`);
      if (distractor.fill === fill || distractor.border === border) sharedOneAttribute++;
    }
    const [x0, y0, x1, y1] = task.gtBox;
    const cx = (x0 + x1) / 2 / task.width;
    const cy = (y0 + y1) / 2 / task.height;
    if (task.locationHint.includes('left')) assert.ok(cx < 1 / 3, task.locationHint);
    if (task.locationHint.includes('right')) assert.ok(cx >= 2 / 3, task.locationHint);
    if (task.locationHint.includes('upper') || task.locationHint.includes('top')) assert.ok(cy < 1 / 3, task.locationHint);
    if (task.locationHint.includes('lower') || task.locationHint.includes('bottom')) assert.ok(cy >= 2 / 3, task.locationHint);
  }
  assert.ok(sharedOneAttribute > 100, 'distractors should often share one attribute with the target');
});

test('rendered pixels: every sign board shows exactly its fill, border and text glyphs', () => {
  for (let index = 0; index < 5; index++) {
    const { task, image } = generateTask(8, index, SMALL);
    for (const sign of [task.target, ...task.distractors]) {
      const mismatches = signPixelMismatches(image, sign);
      assert.deepEqual(mismatches.slice(0, 5), [], `${task.docId} sign "${sign.text}"`);
    }
  }
});

test('bad options and indexes are refused with the option named', () => {
  assert.throws(() => resolveTaskOptions({ width: [100, 300] }), /width must be integers 200 <= min/);
  assert.throws(() => resolveTaskOptions({ height: [600, 500] }), /height/);
  assert.throws(() => resolveTaskOptions({ distractors: [0, 1.5] }), /distractors/);
  assert.throws(() => planTask(1, -1), /index must be a non-negative integer/);
  assert.throws(() => planTask(1.5, 0), /safe integers/);
  const tiny = planTask(1, 0, { width: [200, 200], height: [150, 150], distractors: [0, 0] });
  assert.equal(tiny.distractors.length, 0);
});
