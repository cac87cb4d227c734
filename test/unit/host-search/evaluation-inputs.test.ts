import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  MAX_EVAL_ROLLOUTS, defaultEvaluationOutput, evaluationOutputProblem, maxTurnsProblem, parseEvaluationInputs, rolloutsProblem,
} from '../../../src/host/search/evaluation-inputs';
import { MAX_TURNS_CEILING } from '../../../src/core/search/settings';

test('k and the max-turn limits parse together: limits keep the typed order without repeats', () => {
  assert.deepEqual(parseEvaluationInputs('4', '12', MAX_TURNS_CEILING), { rollouts: 4, maxTurns: [12] });
  assert.deepEqual(parseEvaluationInputs(' 8 ', '32, 12,24,12', MAX_TURNS_CEILING), { rollouts: 8, maxTurns: [32, 12, 24] });
  assert.deepEqual(parseEvaluationInputs(String(MAX_EVAL_ROLLOUTS), String(MAX_TURNS_CEILING), MAX_TURNS_CEILING),
    { rollouts: MAX_EVAL_ROLLOUTS, maxTurns: [MAX_TURNS_CEILING] });
});

test('a bad k or limit gives the message the input box shows, naming the bad entry', () => {
  assert.equal(parseEvaluationInputs('0', '12', 64), 'k must be a whole number from 1 to 64.');
  assert.equal(parseEvaluationInputs('65', '12', 64), 'k must be a whole number from 1 to 64.');
  assert.equal(parseEvaluationInputs('two', '12', 64), 'k must be a whole number from 1 to 64.');
  assert.equal(parseEvaluationInputs('2', '12,0', 64), '"0" is not a whole number of turns from 1 to 64.');
  assert.equal(parseEvaluationInputs('2', '12;24', 64), '"12;24" is not a whole number of turns from 1 to 64.');
  assert.equal(parseEvaluationInputs('2', '', 64), 'Give at least one max-turn limit, e.g. 12 or 12,24,32.');
  // validateInput wants null for good input and the same message for bad.
  assert.equal(rolloutsProblem('3'), null);
  assert.equal(rolloutsProblem('1.5'), 'k must be a whole number from 1 to 64.');
  assert.equal(maxTurnsProblem('6, 12', 64), null);
  assert.equal(maxTurnsProblem('6, 99', 64), '"99" is not a whole number of turns from 1 to 64.');
});

test('the output is proposed under mini-o3-runs of the workspace folder, else of the tasks\' folder', () => {
  assert.equal(defaultEvaluationOutput('/data/probe/tasks.jsonl', '/work/ws'), path.join('/work/ws', 'mini-o3-runs', 'eval.traj.jsonl'));
  assert.equal(defaultEvaluationOutput('/data/probe/tasks.jsonl', undefined), path.join('/data/probe', 'mini-o3-runs', 'eval.traj.jsonl'));
});

test('the tasks file itself is refused as output (it would be appended to), another file is not', () => {
  assert.match(evaluationOutputProblem('/d/tasks.traj.jsonl', '/d/tasks.traj.jsonl') ?? '', /another file than the tasks/);
  assert.match(evaluationOutputProblem('/d/tasks.traj.jsonl', '/d/sub/../tasks.traj.jsonl') ?? '', /another file than the tasks/);
  assert.equal(evaluationOutputProblem('/d/tasks.traj.jsonl', '/d/mini-o3-runs/eval.traj.jsonl'), null);
});
