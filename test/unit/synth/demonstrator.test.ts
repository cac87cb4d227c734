import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  answersMatch, DEMO_KINDS, DEMONSTRATOR_MODEL, demonstrate, demonstrateTask, demoTaskFromSynth, demoTasksFromDataset,
  OVER_TURN_MAX_TURNS, type DemoKind, type DemoTask,
} from '../../../src/core/synth/demonstrator';
import { relativeBoxCovering } from '../../../src/core/synth/demo-builder';
import { planTask, type SynthTaskOptions } from '../../../src/core/synth/tasks';
import { writeSynthDataset } from '../../../src/core/synth/dataset';
import { createRng } from '../../../src/core/synth/random';
import { replayTrajectory, type TrajectoryReplay } from '../../../src/core/protocol/replay';
import { boxContains, relativeToPixel } from '../../../src/core/geometry/boxes';
import { DEFAULT_LIMITS, TRAJECTORY_FORMAT, TrajectorySchema, type Box4, type Trajectory } from '../../../src/core/trajectory/schema';

const SMALL: SynthTaskOptions = { width: [200, 320], height: [150, 240], distractors: [1, 4] };
const EMPTY: SynthTaskOptions = { distractors: [0, 0] };

/** Default-size scenes, tiny scenes and scenes without distractors. */
function sampleTasks(count: number): DemoTask[] {
  return Array.from({ length: count }, (_, i) => {
    const options = i % 3 === 1 ? SMALL : i % 3 === 2 ? EMPTY : {};
    return demoTaskFromSynth(planTask(100 + i, i, options), `images/t${i}.jpg`);
  });
}

function replayOf(t: Trajectory, task: DemoTask): TrajectoryReplay {
  return replayTrajectory(t, { originalSize: { width: task.width, height: task.height } });
}

function lastCrop(r: TrajectoryReplay): Box4 {
  const crops = r.turns.filter((x) => x.action === 'crop');
  const box = crops[crops.length - 1]?.boxInOriginal;
  assert.ok(box, 'the trajectory has a crop');
  return box;
}

const TASKS = sampleTasks(12);
const SEEDS = [1, 2, 3];

function forEachDemo(kind: DemoKind, check: (t: Trajectory, r: TrajectoryReplay, task: DemoTask) => void): void {
  for (const task of TASKS) {
    for (const seed of SEEDS) {
      const t = demonstrateTask(task, { seed, kind });
      check(t, replayOf(t, task), task);
    }
  }
}

test('direct: one crop from original_image holding the target, then the right answer', () => {
  forEachDemo('direct', (t, r, task) => {
    assert.deepEqual(r.turns.map((x) => x.action), ['crop', 'answer']);
    assert.equal(r.status, 'valid');
    assert.equal(r.turns[0]!.sourceIndex, 0);
    assert.ok(boxContains(lastCrop(r), task.gtBox), `${t.id}: crop ${lastCrop(r)} misses ${task.gtBox}`);
    assert.equal(r.answer, task.solution);
    assert.deepEqual(t.outcome, { answer: task.solution, correct: true, status: 'answered' });
  });
});

test('detour: a first crop away from the target, rejected in words, then the target and the answer', () => {
  forEachDemo('detour', (t, r, task) => {
    assert.deepEqual(r.turns.map((x) => x.action), ['crop', 'crop', 'answer']);
    assert.equal(r.status, 'valid');
    assert.ok(!boxContains(r.turns[0]!.boxInOriginal!, task.gtBox), `${t.id}: the detour already shows the target`);
    assert.ok(boxContains(lastCrop(r), task.gtBox));
    const rejection = r.turns[1]!.parsed.think ?? '';
    const decoy = task.distractors.find((d) => d.text !== undefined && rejection.includes(`"${d.text}"`));
    if (task.distractors.length > 0) {
      assert.ok(decoy, `${t.id}: the rejection names a distractor's text: ${rejection}`);
      assert.ok(boxContains(r.turns[0]!.boxInOriginal!, decoy.box), `${t.id}: the detour crop shows the distractor it names`);
    } else {
      assert.match(rejection, /background/);
    }
    assert.equal(t.outcome?.correct, true);
  });
});

test('crop_of_crop: a quadrant from original_image, then a finer crop of observation_1', () => {
  forEachDemo('crop_of_crop', (t, r, task) => {
    assert.deepEqual(r.turns.map((x) => x.action), ['crop', 'crop', 'answer']);
    assert.equal(r.status, 'valid');
    assert.equal(r.turns[0]!.sourceIndex, 0);
    assert.equal(r.turns[1]!.sourceIndex, 1);
    assert.equal(r.turns[1]!.parsed.grounding?.source, 'observation_1');
    assert.ok(boxContains(r.turns[0]!.boxInOriginal!, task.gtBox));
    assert.ok(boxContains(r.turns[0]!.boxInOriginal!, r.turns[1]!.boxInOriginal!));
    assert.ok(boxContains(lastCrop(r), task.gtBox));
    assert.match(r.turns[0]!.parsed.think ?? '', /(upper|lower) (left|right)/);
    assert.equal(t.outcome?.answer, task.solution);
  });
});

test('invalid_call: inverted box -> invalid_clip, missing source -> invalid_format, both recovered', () => {
  const task = TASKS[0]!;
  for (const seed of SEEDS) {
    const inverted = demonstrateTask(task, { seed, kind: 'invalid_call', invalidCall: 'inverted_box' });
    const ri = replayOf(inverted, task);
    assert.deepEqual(ri.turns.map((x) => x.action), ['error', 'crop', 'answer']);
    assert.equal(ri.status, 'invalid_clip');
    assert.match(ri.turns[0]!.errorInfo ?? '', /^The bounding box is not valid in (width|height)/);
    assert.match(ri.turns[0]!.feedback ?? '', /^ERROR occurs during grounding/);

    const missing = demonstrateTask(task, { seed, kind: 'invalid_call', invalidCall: 'missing_source' });
    const rm = replayOf(missing, task);
    assert.deepEqual(rm.turns.map((x) => x.action), ['error', 'crop', 'answer']);
    assert.equal(rm.status, 'invalid_format');
    assert.match(rm.turns[0]!.errorInfo ?? '', /^Error in predicting the source observation: "observation_\d+"\.$/);
    for (const t of [inverted, missing]) assert.ok(t.turns.every((turn) => turn.feedback === undefined), 'feedback is derived, not stored');
  }
  const labels = new Set<string>();
  forEachDemo('invalid_call', (t, r, demoTask) => {
    assert.deepEqual(r.turns.map((x) => x.action), ['error', 'crop', 'answer']);
    assert.ok(r.status === 'invalid_clip' || r.status === 'invalid_format');
    labels.add(r.status);
    assert.ok(boxContains(lastCrop(r), demoTask.gtBox));
    assert.deepEqual(t.outcome, { answer: demoTask.solution, correct: true, status: 'answered' });
  });
  assert.deepEqual([...labels].sort(), ['invalid_clip', 'invalid_format'], 'the seed alternates the two mistakes');
});

test('over_turn: keeps zooming until the turn limit refuses the last call; no answer', () => {
  forEachDemo('over_turn', (t, r) => {
    assert.equal(t.limits?.max_turns, OVER_TURN_MAX_TURNS);
    assert.deepEqual(r.turns.map((x) => x.action), ['crop', 'crop', 'crop', 'over_turn']);
    assert.equal(r.status, 'over_turn');
    assert.equal(r.turns[3]!.overTurnReason, 'last_turn');
    assert.deepEqual(r.turns.slice(0, 3).map((x) => x.sourceIndex), [0, 1, 2]);
    assert.equal(r.turns[3]!.parsed.grounding?.source, 'observation_3');
    assert.equal(r.answer, null);
    assert.deepEqual(t.outcome, { answer: null, correct: false, status: 'over_turn' });
  });
});

test('wrong_answer: a valid search that answers a distractor\'s text (or a misreading when there is none)', () => {
  forEachDemo('wrong_answer', (t, r, task) => {
    const actions = r.turns.map((x) => x.action);
    assert.equal(actions[actions.length - 1], 'answer');
    assert.ok(actions.slice(0, -1).every((a) => a === 'crop') && actions.length >= 2);
    assert.equal(r.status, 'valid');
    assert.ok(r.answer !== null && !answersMatch(r.answer, task.solution));
    const decoy = task.distractors.find((d) => d.text === r.answer);
    if (task.distractors.length > 0) {
      assert.ok(decoy, `${t.id}: answers a distractor's text`);
      assert.ok(boxContains(lastCrop(r), decoy.box));
    }
    assert.deepEqual(t.outcome, { answer: r.answer, correct: false, status: 'answered' });
  });
});

test('void: the final turn has no <answer> tags', () => {
  forEachDemo('void', (t, r, task) => {
    assert.deepEqual(r.turns.map((x) => x.action), ['crop', 'void']);
    assert.equal(r.status, 'void');
    assert.ok(boxContains(lastCrop(r), task.gtBox));
    assert.ok(!t.turns[1]!.text.includes('<answer>'));
    assert.deepEqual(t.outcome, { answer: null, correct: false, status: 'void' });
  });
});

test('every demonstration is a valid, clearly synthetic native trajectory with readable turns', () => {
  for (const kind of DEMO_KINDS) {
    forEachDemo(kind, (t, _r, task) => {
      const parsed = TrajectorySchema.parse(JSON.parse(JSON.stringify(t)));
      assert.equal(parsed.format, TRAJECTORY_FORMAT);
      assert.deepEqual(t.model, { ...DEMONSTRATOR_MODEL });
      assert.equal(t.model?.synthetic, true);
      assert.deepEqual(t.review, { status: 'unreviewed' });
      assert.deepEqual(t.limits, kind === 'over_turn' ? { ...DEFAULT_LIMITS, max_turns: OVER_TURN_MAX_TURNS } : DEFAULT_LIMITS);
      assert.equal(t.task.id, task.docId);
      assert.deepEqual(t.task.images, [task.imagePath]);
      assert.deepEqual(t.task.gt_box, task.gtBox);
      assert.equal(t.task.answer, task.solution);
      for (const turn of t.turns) {
        assert.match(turn.text, /^<think>[A-Z][^<]*<\/think>\n/);
        assert.doesNotMatch(turn.text, /undefined|NaN|\$\{|\[object|  /);
        assert.ok(Number.isInteger(turn.tokens?.completion) && turn.tokens!.completion! > 5);
        assert.ok(turn.timing?.ms !== undefined && turn.timing.ms > 100 && turn.timing.ms < 20_000);
      }
    });
  }
});

test('same seed gives identical JSON; another seed gives other texts', () => {
  const a = demonstrate(TASKS, { seed: 42 });
  const b = demonstrate(TASKS, { seed: 42 });
  assert.equal(JSON.stringify(a), JSON.stringify(b));
  assert.notEqual(JSON.stringify(demonstrate(TASKS, { seed: 43 })), JSON.stringify(a));
  for (const kind of DEMO_KINDS) {
    const one = demonstrateTask(TASKS[4]!, { seed: 9, kind });
    assert.equal(JSON.stringify(one), JSON.stringify(demonstrateTask(TASKS[4]!, { seed: 9, kind })));
  }
});

test('turn texts vary across tasks and seeds', () => {
  const openings = new Set<string>();
  for (const task of TASKS) for (const seed of SEEDS) {
    const think = demonstrateTask(task, { seed, kind: 'direct' }).turns[0]!.text.split('</think>')[0]!;
    openings.add(think.replace(/\d+x\d+/g, 'WxH'));
  }
  assert.ok(openings.size >= 25, `only ${openings.size} distinct openings in 36 demonstrations`);
});

test('demonstrate draws kinds from the mix, seeded per task', () => {
  const many = sampleTasks(120);
  const kinds = demonstrate(many, { seed: 5 }).map((t) => (t as { demonstration?: { kind?: string } }).demonstration?.kind);
  assert.deepEqual(new Set(kinds), new Set(DEMO_KINDS), 'the default mix uses every kind');
  const onlyVoid = demonstrate(many.slice(0, 10), { seed: 5, mix: { void: 1 } });
  assert.ok(onlyVoid.every((t) => t.outcome?.status === 'void'));
  const forced = demonstrate(many.slice(0, 10), { seed: 5, kind: 'detour' });
  assert.ok(forced.every((t) => t.turns.length === 3));
  assert.equal(new Set(demonstrate(many, { seed: 5 }).map((t) => t.id)).size, many.length);
  assert.throws(() => demonstrate(many, { seed: 5, mix: { direct: 0 } }), /no kind a positive weight/);
  assert.throws(() => demonstrate(many, { seed: 5, mix: { direct: -1 } }), /direct must be a finite number >= 0/);
  assert.throws(() => demonstrate(many, { seed: 5, mix: { sideways: 1 } as never }), /unknown kind "sideways"/);
});

test('tasks that only give boxes (no colours, no distractor text) still demonstrate every kind', () => {
  const synth = planTask(7, 1);
  const bare: DemoTask = {
    docId: 'bare-1', problem: '<image>\nWhat does the sign say?', solution: synth.solution, gtBox: [...synth.gtBox],
    imagePath: 'x.png', width: synth.width, height: synth.height, dataSource: 'visual_probe',
    distractors: synth.distractors.map((d) => ({ box: [...d.box] as Box4 })),
  };
  for (const kind of DEMO_KINDS) {
    const t = demonstrateTask(bare, { seed: 3, kind });
    const r = replayOf(t, bare);
    assert.equal(r.findings.length, 0, `${kind}: ${r.findings.join('; ')}`);
    for (const turn of t.turns) assert.doesNotMatch(turn.text, /\b(yellow|red|blue|green|white|orange|purple|black)\b/);
    if (kind === 'wrong_answer') assert.ok(r.answer !== null && !answersMatch(r.answer, bare.solution));
  }
});

test('bad tasks are refused with the doc id', () => {
  const task = { ...TASKS[0]!, gtBox: [10, 10, TASKS[0]!.width, 40] as Box4 };
  assert.throws(() => demonstrateTask(task, { seed: 1, kind: 'direct' }), new RegExp(`task "${task.docId}": gtBox`));
  assert.throws(() => demonstrateTask(TASKS[0]!, { seed: 1, kind: 'teleport' as DemoKind }), /unknown kind "teleport"/);
});

test('relativeBoxCovering: the written box, after Mini-o3\'s int() and clamp, covers the pixel rectangle', () => {
  const rng = createRng(11);
  for (let i = 0; i < 5000; i++) {
    const size = { width: rng.int(2, 6000), height: rng.int(2, 6000) };
    const x0 = rng.int(0, size.width - 2);
    const y0 = rng.int(0, size.height - 2);
    const rect: Box4 = [x0, y0, rng.int(x0 + 1, size.width - 1), rng.int(y0 + 1, size.height - 1)];
    const rel = relativeBoxCovering(rect, size);
    for (const v of rel) assert.equal(Math.round(v * 1000) / 1000, v);
    const pixels = relativeToPixel(rel, size);
    assert.ok(boxContains(pixels, rect), `${JSON.stringify(size)} ${rect} -> ${rel} -> ${pixels}`);
  }
});

test('demoTasksFromDataset: image paths relative to the trajectory file folder', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-dataset-'));
  try {
    const dataset = await writeSynthDataset(path.join(dir, 'data'), { tasks: 2, seed: 3, ...SMALL, format: 'png' });
    const trajDir = path.join(dir, 'runs');
    const tasks = demoTasksFromDataset(dataset.tasks, trajDir);
    for (const [i, task] of tasks.entries()) {
      assert.equal(task.imagePath, `../data/images/${dataset.tasks[i]!.docId}.png`);
      assert.ok(fs.existsSync(path.join(trajDir, task.imagePath)));
    }
    const [t] = demonstrate(tasks, { seed: 1, kind: 'crop_of_crop' });
    assert.equal(t!.task.images[0], tasks[0]!.imagePath);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
