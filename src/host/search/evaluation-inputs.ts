import path from 'node:path';
import { parseCount, parseMaxTurnsList } from './task-input';

/** The most rollouts per task Run Batch Evaluation… accepts (k of Avg@k). */
export const MAX_EVAL_ROLLOUTS = 64;

export interface EvaluationInputs {
  /** Rollouts per task (k). */
  rollouts: number;
  /** One pass per limit, in the order typed, without repeats. */
  maxTurns: number[];
}

/** Why the typed k is unusable, or null (the input box's validateInput). */
export function rolloutsProblem(text: string): string | null {
  const k = parseCount(text, 1, MAX_EVAL_ROLLOUTS, 'k');
  return typeof k === 'string' ? k : null;
}

/** Why the typed max-turn list is unusable, or null. */
export function maxTurnsProblem(text: string, ceiling: number): string | null {
  const limits = parseMaxTurnsList(text, ceiling);
  return typeof limits === 'string' ? limits : null;
}

/** k and the max-turn limits as typed into the two input boxes, or the first problem. */
export function parseEvaluationInputs(kText: string, limitsText: string, ceiling: number): EvaluationInputs | string {
  const rollouts = parseCount(kText, 1, MAX_EVAL_ROLLOUTS, 'k');
  if (typeof rollouts === 'string') return rollouts;
  const maxTurns = parseMaxTurnsList(limitsText, ceiling);
  if (typeof maxTurns === 'string') return maxTurns;
  return { rollouts, maxTurns };
}

/** The save dialog's proposal: `<workspace folder, else the tasks' folder>/mini-o3-runs/eval.traj.jsonl`. */
export function defaultEvaluationOutput(tasksFile: string, workspaceFolder: string | undefined): string {
  return path.join(workspaceFolder ?? path.dirname(tasksFile), 'mini-o3-runs', 'eval.traj.jsonl');
}

/** Why the chosen output cannot be used, or null: trajectories are appended to it, so it must not be the tasks file. */
export function evaluationOutputProblem(tasksFile: string, outFile: string): string | null {
  if (path.resolve(outFile) === path.resolve(tasksFile)) {
    return 'the output must be another file than the tasks: trajectories are appended to it.';
  }
  return null;
}
