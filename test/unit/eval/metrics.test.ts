import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Trajectory } from '../../../src/core/trajectory/schema';
import { evalSampleOf, evalTagOf, type EvalSample } from '../../../src/core/eval/eval-sample';
import { computeEvalMetrics, evalMetricsToJson, groupMetrics } from '../../../src/core/eval/metrics';
import { formatEvalReport } from '../../../src/core/eval/report';
import { readEvalJournal } from '../../../src/core/eval/run-journal';
import type { JudgeVerdict } from '../../../src/core/eval/judge';

const ANSWER = (a: string) => `<think>read it</think>\n<answer>${a}</answer>`;
const CALL = '<think>zoom</think>\n<grounding>{"bbox_2d": [0.1, 0.1, 0.5, 0.5], "source": "original_image"}</grounding>';

/** One eval trajectory; `score` null with `failed` is a judge failure. */
function traj(taskId: string, source: string, maxTurns: number, rollout: number, score: 0 | 1 | null, extra: Partial<Trajectory> = {}, failed?: string): Trajectory {
  const judge: JudgeVerdict = { kind: 'llm', model: 'judge-x', prediction: 'p', score, ...(failed ? { failed } : {}) };
  return {
    id: `${taskId}@${maxTurns}#${rollout}`,
    task: { id: taskId, question: '<image>\nq?', images: ['img.png'], answer: 'K7', data_source: source },
    limits: { max_turns: maxTurns, max_images: 12, min_pixels: 40000, max_pixels: 2000000, max_context: 32768 },
    turns: [{ text: CALL }, { text: ANSWER(score === 1 ? 'K7' : 'no') }],
    outcome: { answer: 'x', status: 'answered', correct: score === null ? null : score === 1 },
    eval: { run_key: 'run-a', rollout, max_turns: maxTurns, judge },
    ...extra,
  } as Trajectory;
}

function samplesOf(list: Trajectory[]): EvalSample[] {
  return list.map((t) => evalSampleOf(t, evalTagOf(t)!));
}

// a1: @2 [1,0]  @4 [1,1];  a2: @2 [0,0]  @4 [1, judge failed];  b1: @2 [1,1]  @4 [0,1]
const handMade = (): Trajectory[] => [
  traj('a1', 'src_a', 2, 0, 1), traj('a1', 'src_a', 2, 1, 0),
  traj('a1', 'src_a', 4, 0, 1), traj('a1', 'src_a', 4, 1, 1),
  traj('a2', 'src_a', 2, 0, 0, { outcome: { answer: null, status: 'over_turn', correct: false }, turns: [{ text: CALL }, { text: CALL }] }),
  traj('a2', 'src_a', 2, 1, 0, { outcome: { answer: null, status: 'void', correct: false }, turns: [{ text: '<think>hm</think>' }] }),
  traj('a2', 'src_a', 4, 0, 1), traj('a2', 'src_a', 4, 1, null, {}, 'no score after 5 attempts'),
  traj('b1', 'src_b', 2, 0, 1), traj('b1', 'src_b', 2, 1, 1),
  traj('b1', 'src_b', 4, 0, 0), traj('b1', 'src_b', 4, 1, 1),
];

test('Avg@k is the mean of per-task means; accuracy pools rollouts; judge failures count in neither', () => {
  const m = computeEvalMetrics(samplesOf(handMade()));
  const close = (a: number | null, b: number) => assert.ok(a !== null && Math.abs(a - b) < 1e-12, `${a} != ${b}`);
  close(m.overall.avgAtK, (0.5 + 0 + 1 + 1 + 1 + 0.5) / 6);
  close(m.overall.accuracy, 7 / 11);
  assert.equal(m.overall.judged, 11);
  assert.equal(m.overall.judgeFailed, 1);
  assert.equal(m.overall.trajectories, 12);
  assert.equal(m.overall.tasks, 6);
  assert.deepEqual([m.overall.kMin, m.overall.kMax], [2, 2]);

  const a = m.bySource.get('src_a')!;
  close(a.avgAtK, (0.5 + 0 + 1 + 1) / 4);
  close(a.accuracy, 4 / 7);
  close(m.bySourceAndMaxTurns.get('src_a')!.get(2)!.avgAtK, 0.25);
  close(m.bySourceAndMaxTurns.get('src_a')!.get(4)!.avgAtK, 1);
  close(m.bySource.get('src_b')!.avgAtK, 0.75);
  close(m.byMaxTurns.get(2)!.avgAtK, 0.5);
  close(m.byMaxTurns.get(4)!.avgAtK, (1 + 1 + 0.5) / 3);
  close(m.byMaxTurns.get(4)!.accuracy, 4 / 5);
  assert.deepEqual([...m.byMaxTurns.keys()], [2, 4]);

  const at2 = m.byMaxTurns.get(2)!;
  close(at2.overTurnRate, 1 / 6);
  close(at2.voidRate, 1 / 6);
  close(at2.meanTurns, (2 * 5 + 1) / 6);
  assert.equal(m.byMaxTurns.get(4)!.overTurnRate, 0);
});

test('a task with fewer judged rollouts weighs as much as the others in Avg@k', () => {
  const samples = samplesOf([traj('t1', 's', 4, 0, 1), traj('t2', 's', 4, 0, 0), traj('t2', 's', 4, 1, 0), traj('t2', 's', 4, 2, 0)]);
  const g = groupMetrics(samples);
  assert.equal(g.avgAtK, 0.5);
  assert.equal(g.accuracy, 0.25);
  assert.deepEqual([g.kMin, g.kMax], [1, 3]);
  assert.equal(groupMetrics([]).avgAtK, null);
});

test('status comes from replay when the image size is known, from the record otherwise', () => {
  const inverted = '<think>z</think>\n<grounding>{"bbox_2d": [0.6, 0.1, 0.2, 0.5], "source": "original_image"}</grounding>';
  const withSize = traj('c', 's', 4, 0, 0, { turns: [{ text: inverted }, { text: ANSWER('no') }] });
  withSize.task.image_size = { width: 800, height: 600 };
  const [replayed, recorded] = samplesOf([withSize, traj('c', 's', 4, 1, 0, { turns: [{ text: inverted }, { text: ANSWER('no') }] })]);
  assert.equal(replayed!.status, 'invalid_clip');
  assert.equal(recorded!.status, 'valid');
  assert.equal(groupMetrics([replayed!]).invalidRate, 1);
});

test('the report shows Avg@k per source and limit, and JSON has the same figures', () => {
  const m = computeEvalMetrics(samplesOf(handMade()));
  const text = formatEvalReport(m, { judge: 'llm:judge-x' });
  assert.match(text, /k = 2 rollouts per task; judge: llm:judge-x/);
  assert.match(text, /src_a\s+8\s+25\.0%\s+100\.0%\s+62\.5%/);
  assert.match(text, /src_b\s+4\s+100\.0%\s+50\.0%\s+75\.0%/);
  assert.match(text, /all sources\s+12\s+50\.0%\s+83\.3%\s+66\.7%/);
  assert.match(text, /^\s+2\s+6\s+50\.0%\s+50\.0%\s+16\.7%\s+16\.7%/m);
  assert.match(text, /1 trajectories could not be judged/);
  const json = JSON.parse(JSON.stringify(evalMetricsToJson(m))) as { by_source_and_max_turns: Record<string, Record<string, { avgAtK: number }>> };
  assert.equal(json.by_source_and_max_turns.src_a!['4']!.avgAtK, 1);
});

test('the journal keeps the first of each (task, limit, rollout), per run, and reports broken lines', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mini-o3-journal-'));
  const file = join(dir, 'out.traj.jsonl');
  const [t1, t2] = handMade();
  const other = { ...t1!, eval: { run_key: 'run-b', rollout: 0, max_turns: 2 } };
  const untagged = { ...t1!, eval: undefined };
  const lines = [JSON.stringify(t1), '{"id": "cut', JSON.stringify(t2), JSON.stringify(t1), JSON.stringify(other), JSON.stringify(untagged), JSON.stringify(t2).slice(0, 40)];
  writeFileSync(file, lines.join('\n'));
  const journal = await readEvalJournal(file);
  assert.equal(journal.lines, 7);
  assert.deepEqual([...journal.runs.keys()].sort(), ['run-a', 'run-b']);
  assert.equal(journal.runs.get('run-a')!.samples.size, 2);
  assert.deepEqual([...journal.runs.get('run-a')!.judges], ['llm:judge-x']);
  assert.equal(journal.runs.get('run-b')!.samples.size, 1);
  assert.deepEqual(journal.duplicates.map((d) => d.line), [4]);
  assert.equal(journal.untagged, 1);
  assert.deepEqual(journal.problems.map((p) => [p.line, p.truncatedTail]), [[2, false], [7, true]]);
  assert.match(journal.problems[1]!.message, /out\.traj\.jsonl:7: the last line is cut off/);
  assert.equal((await readEvalJournal(join(dir, 'missing.traj.jsonl'))).runs.size, 0);
});
