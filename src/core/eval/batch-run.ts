import { setMaxListeners } from 'node:events';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { ImageCache } from '../imaging';
import type { Policy } from '../model/policy';
import { runVisualSearch } from '../search/agent-loop';
import type { SearchSettings } from '../search/settings';
import { TrajectoryAppender } from '../store';
import type { Task, Trajectory } from '../trajectory/schema';
import { evalSampleOf, sampleKey, type EvalSample, type EvalTag } from './eval-sample';
import type { AnswerJudge, JudgeVerdict } from './judge';
import { rolloutSeed } from './run-key';

export interface EvalBatchOptions {
  /** Image paths relative to `baseDir`, the output file's folder. */
  tasks: readonly Task[];
  baseDir: string;
  outFile: string;
  policy: Policy;
  /** One pass over every task per value (Mini-o3's test-time turn scaling: 4..32). */
  maxTurns: readonly number[];
  /** k: rollouts per task and limit. */
  rollouts: number;
  concurrency: number;
  /** Everything but max_turns; `seed` becomes a distinct seed per rollout. */
  settings: Partial<Omit<SearchSettings, 'max_turns'>>;
  runKey: string;
  judge: AnswerJudge;
  /** `sampleKey`s already in the output under this run key: skipped. */
  done: ReadonlySet<string>;
  imageRoots?: readonly string[];
  imageCache?: ImageCache;
  signal?: AbortSignal;
  onProgress?: (progress: BatchProgress) => void;
  /** Called after each trajectory is written. */
  onWritten?: (sample: EvalSample, trajectory: Trajectory) => void;
  /** Stop the batch after this many rollouts in a row ended in a server or image error (default max(8, 2×concurrency)). */
  maxConsecutiveErrors?: number;
}

export interface BatchProgress {
  planned: number;
  skipped: number;
  written: number;
  errors: number;
  running: number;
  judgeFailed: number;
}

export interface RolloutError {
  taskId: string;
  maxTurns: number;
  rollout: number;
  message: string;
}

export interface EvalBatchResult extends BatchProgress {
  /** Samples of the trajectories written by this batch. */
  samples: EvalSample[];
  /** Rollouts that ended in a server or image error: not written, so a rerun tries them again. */
  failures: RolloutError[];
  /** Rollouts that were running when the batch was cancelled: not written. */
  cancelled: number;
  /** Why the batch stopped before the end, if it did. */
  stopped: string | null;
}

interface PlanItem {
  task: Task;
  maxTurns: number;
  rollout: number;
}

/**
 * Runs every (task, max-turn limit, rollout) not yet done, `concurrency` at a time, judges each
 * finished trajectory and appends it to the output at once (one write per line), tagged with
 * `eval: {run_key, rollout, max_turns, judge}`. Interrupted runs resume by skipping what is in
 * the file. Cancelled and failed rollouts are never written: a partial trajectory would look done.
 */
export async function runEvalBatch(options: EvalBatchOptions): Promise<EvalBatchResult> {
  const plan: PlanItem[] = [];
  let skipped = 0;
  for (const task of options.tasks) {
    for (const maxTurns of options.maxTurns) {
      for (let rollout = 0; rollout < options.rollouts; rollout++) {
        if (options.done.has(sampleKey(task.id, maxTurns, rollout))) skipped++;
        else plan.push({ task, maxTurns, rollout });
      }
    }
  }
  const result: EvalBatchResult = {
    planned: plan.length + skipped, skipped, written: 0, errors: 0, running: 0, judgeFailed: 0,
    samples: [], failures: [], cancelled: 0, stopped: null,
  };
  if (plan.length === 0) return result;

  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  // Every running rollout listens on it (loop, policy, judge): not a leak.
  setMaxListeners(0, signal);
  const maxConsecutiveErrors = options.maxConsecutiveErrors ?? Math.max(8, 2 * options.concurrency);
  let consecutiveErrors = 0;
  const report = () => options.onProgress?.({
    planned: result.planned, skipped, written: result.written, errors: result.errors, running: result.running, judgeFailed: result.judgeFailed,
  });

  await mkdir(path.dirname(options.outFile), { recursive: true });
  const appender = await TrajectoryAppender.open(options.outFile);
  let writes: Promise<void> = Promise.resolve();
  const append = (value: Trajectory): Promise<void> => {
    writes = writes.then(() => appender.append(value));
    return writes;
  };

  let next = 0;
  const runOne = async (item: PlanItem): Promise<void> => {
    const { task, maxTurns, rollout } = item;
    const seed = options.settings.seed;
    const trajectory = await runVisualSearch({
      task,
      baseDir: options.baseDir,
      policy: options.policy,
      settings: { ...options.settings, max_turns: maxTurns, ...(seed !== undefined ? { seed: rolloutSeed(seed, task.id, maxTurns, rollout) } : {}) },
      // Readable, and unique even when several runs share the file.
      id: `${task.id}@${maxTurns}#${rollout}~${options.runKey.replace(/^run-/, '').slice(0, 6)}`,
      signal,
      ...(options.imageCache ? { imageCache: options.imageCache } : {}),
      ...(options.imageRoots ? { imageRoots: options.imageRoots } : {}),
    });
    const status = trajectory.outcome?.status;
    if (status === 'cancelled' || signal.aborted) {
      result.cancelled++;
      return;
    }
    if (status === 'error') {
      result.errors++;
      result.failures.push({ taskId: task.id, maxTurns, rollout, message: trajectory.outcome?.error ?? 'unknown error' });
      if (++consecutiveErrors >= maxConsecutiveErrors && !stop.signal.aborted) {
        result.stopped = `${consecutiveErrors} rollouts in a row failed; last: ${trajectory.outcome?.error ?? 'unknown error'}`;
        stop.abort(new Error(result.stopped));
      }
      return;
    }
    consecutiveErrors = 0;
    let verdict: JudgeVerdict;
    try {
      verdict = await options.judge.judge({ question: task.question, groundTruth: task.answer, turnTexts: trajectory.turns.map((t) => t.text) }, signal);
    } catch (error) {
      if (signal.aborted) {
        result.cancelled++;
        return;
      }
      verdict = { kind: options.judge.kind, prediction: null, score: null, failed: error instanceof Error ? error.message : String(error) };
    }
    const tag: EvalTag = { run_key: options.runKey, rollout, max_turns: maxTurns, judge: verdict };
    const judged: Trajectory = {
      ...trajectory,
      outcome: { ...trajectory.outcome, correct: verdict.score === null ? null : verdict.score === 1, ...(verdict.score === null ? {} : { score: verdict.score }) },
      eval: tag,
    };
    await append(judged);
    const sample = evalSampleOf(judged, tag);
    result.written++;
    if (sample.judgeFailed) result.judgeFailed++;
    result.samples.push(sample);
    options.onWritten?.(sample, judged);
  };

  const worker = async (): Promise<void> => {
    while (next < plan.length && !signal.aborted) {
      const item = plan[next++] as PlanItem;
      result.running++;
      report();
      try {
        await runOne(item);
      } catch (error) {
        // A failed write (disk full, file gone) ends the whole batch: the other workers stop too.
        if (!stop.signal.aborted) stop.abort(error);
        throw error;
      } finally {
        result.running--;
        report();
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, plan.length)) }, worker));
    await writes;
  } finally {
    await writes.catch(() => undefined);
    await appender.sync().catch(() => undefined);
    await appender.close();
  }
  if (options.signal?.aborted && result.stopped === null) result.stopped = 'cancelled';
  return result;
}
