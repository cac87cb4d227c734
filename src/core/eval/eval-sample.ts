import type { StatusLabel, Trajectory } from '../trajectory/schema';
import { limitsOf } from '../trajectory/schema';
import { replayTrajectory } from '../protocol/replay';
import { exactMatch } from './exact-match';
import { miniO3Prediction } from './judge-prompts';
import type { JudgeVerdict } from './judge';

/**
 * `trajectory.eval`: where a trajectory sits in an eval run. A rerun of the same run skips every
 * (task, max_turns, rollout) already in the file under the same `run_key`.
 */
export interface EvalTag {
  /** Fingerprint of the run's settings (model, sampling, limits); see `evalRunKey`. */
  run_key: string;
  /** 0-based rollout index among the k of its task and max-turn limit. */
  rollout: number;
  max_turns: number;
  judge?: JudgeVerdict;
}

/** The tag of an eval trajectory, or null when it has none (or a malformed one). */
export function evalTagOf(t: Trajectory): EvalTag | null {
  const tag = (t as { eval?: unknown }).eval;
  if (typeof tag !== 'object' || tag === null) return null;
  const { run_key, rollout, max_turns, judge } = tag as Record<string, unknown>;
  if (typeof run_key !== 'string' || !isCount(rollout) || !isCount(max_turns) || max_turns === 0) return null;
  const verdict = isVerdict(judge) ? judge : undefined;
  return { run_key, rollout, max_turns, ...(verdict ? { judge: verdict } : {}) };
}

export type SampleStatus = StatusLabel | 'error' | 'cancelled';

/** What the metrics need from one eval trajectory. */
export interface EvalSample {
  taskId: string;
  dataSource: string;
  maxTurns: number;
  rollout: number;
  /** 1 correct, 0 wrong, null not scored (see judgeFailed / noGroundTruth). */
  score: 0 | 1 | null;
  judgeFailed: boolean;
  noGroundTruth: boolean;
  status: SampleStatus;
  /** Assistant turns generated. */
  turns: number;
}

export const NO_DATA_SOURCE = '(none)';

export function sampleKey(taskId: string, maxTurns: number, rollout: number): string {
  return `${taskId}\u0000${maxTurns}\u0000${rollout}`;
}

export function evalSampleOf(t: Trajectory, tag: EvalTag): EvalSample {
  const verdict = tag.judge;
  let score: 0 | 1 | null;
  if (verdict) score = verdict.score;
  else if (typeof t.outcome?.correct === 'boolean') score = t.outcome.correct ? 1 : 0;
  else {
    const match = exactMatch(miniO3Prediction(t.turns.map((turn) => turn.text)), t.task.answer);
    score = match === null ? null : match ? 1 : 0;
  }
  return {
    taskId: t.task.id,
    dataSource: t.task.data_source ?? NO_DATA_SOURCE,
    maxTurns: tag.max_turns,
    rollout: tag.rollout,
    score,
    judgeFailed: verdict?.failed !== undefined,
    noGroundTruth: t.task.answer === undefined,
    status: statusOf(t),
    turns: t.turns.length,
  };
}

/**
 * The derived label when the original's size is recorded (replay of Mini-o3's harness), else
 * the one the run recorded. A recorded over-turn wins: replay without a tokenizer cannot see
 * the context-length limit.
 */
function statusOf(t: Trajectory): SampleStatus {
  const recorded = t.outcome?.status;
  if (recorded === 'error' || recorded === 'cancelled' || recorded === 'over_turn') return recorded;
  const size = t.task.image_size;
  if (size) return replayTrajectory(t, { originalSize: size, limits: limitsOf(t) }).status;
  if (recorded === 'answered') return 'valid';
  if (recorded === 'invalid_format' || recorded === 'void') return recorded;
  return t.turns.length === 0 ? 'void' : 'valid';
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function isVerdict(value: unknown): value is JudgeVerdict {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (v.kind === 'exact' || v.kind === 'llm') && (v.score === 0 || v.score === 1 || v.score === null);
}
