import { randomUUID } from 'node:crypto';
import { exactMatch } from '../eval/exact-match';
import { ImageCache } from '../imaging/cache';
import type { Policy } from '../model/policy';
import { IMAGE_PLACEHOLDER, STOP_STRING } from '../protocol/prompts';
import { parseAssistantTurn } from '../protocol/parse';
import { systemPromptOf } from '../protocol/render';
import { resolveDatasetPath } from '../store/dataset-path';
import {
  TRAJECTORY_FORMAT,
  type Outcome,
  type Task,
  type Trajectory,
  type Turn,
} from '../trajectory/schema';
import type { SearchEvent } from './events';
import { SearchState, type TurnStep } from './search-state';
import { limitsOfSettings, resolveSearchSettings, samplingOfSettings, type SearchSettings } from './settings';
import { estimateTokens } from './token-accounting';

export interface VisualSearchOptions {
  /** `question` holds exactly one `<image>`; `images[0]` is the original, relative to `baseDir`. */
  task: Task;
  /** Folder the trajectory file lives in: image paths resolve against it. */
  baseDir: string;
  policy: Policy;
  settings?: Partial<SearchSettings>;
  /** Fork: keep the first `turns` turns of `trajectory` (edits included) and generate from there. */
  prefix?: { trajectory: Trajectory; turns: number };
  id?: string;
  signal?: AbortSignal;
  onEvent?: (event: SearchEvent) => void;
  imageCache?: ImageCache;
  /** Folders besides `baseDir` the task's image may live in (chosen by the user, never by the file). */
  imageRoots?: readonly string[];
}

/** Shared by searches that are given no cache: the original is decoded once per file. */
const fallbackCache = new ImageCache({ maxBytes: 256 * 1024 * 1024 });

/**
 * Runs Mini-o3's visual search with `policy` and returns the trajectory. Never rejects for
 * model, server or image faults: a failed turn ends the trajectory with `outcome.status:
 * 'error'` and `outcome.error`, an abort with `'cancelled'`, both keeping the turns so far.
 * Rejects only for invalid settings or an impossible fork (before any generation).
 */
export async function runVisualSearch(options: VisualSearchOptions): Promise<Trajectory> {
  const settings = resolveSearchSettings(options.settings);
  const { task, policy, signal } = options;
  const prefixTurns = checkPrefix(options.prefix, settings);
  const trajectory: Trajectory = {
    format: TRAJECTORY_FORMAT,
    id: options.id ?? `${task.id}#${randomUUID().slice(0, 8)}`,
    task: structuredClone(task),
    model: { name: policy.name, backend: policy.backend, sampling: samplingOfSettings(settings) },
    limits: limitsOfSettings(settings),
    turns: [],
    created_at: new Date().toISOString(),
  };
  if (options.prefix) {
    trajectory.fork = { trajectory_id: options.prefix.trajectory.id, turn: options.prefix.turns };
    if (options.prefix.trajectory.system_prompt !== undefined) trajectory.system_prompt = options.prefix.trajectory.system_prompt;
  }
  // A throwing listener must not cost the trajectory: the failure ends the search as an error.
  let listenerError: string | null = null;
  const emit = (event: SearchEvent): void => {
    try {
      options.onEvent?.(event);
    } catch (error) {
      listenerError ??= `an onEvent listener threw on '${event.type}': ${messageOf(error)}`;
    }
  };
  const finish = (outcome: Outcome): Trajectory => {
    trajectory.outcome = outcome;
    emit({ type: 'trajectoryFinished', trajectory: structuredClone(trajectory) });
    return trajectory;
  };
  const count = policy.countTokens ? (text: string) => policy.countTokens!(text) : estimateTokens;

  let state: SearchState;
  try {
    const placeholders = task.question.split(IMAGE_PLACEHOLDER).length - 1;
    if (placeholders !== 1) {
      throw new Error(`task ${task.id}: question must hold exactly one ${IMAGE_PLACEHOLDER} (it holds ${placeholders})`);
    }
    const imageFile = resolveDatasetPath(
      options.baseDir, task.images[0]!, { file: options.baseDir, line: 0, field: `task ${task.id} images.0` },
      options.imageRoots ? { allowedRoots: options.imageRoots } : {},
    );
    const original = await (options.imageCache ?? fallbackCache).get(imageFile);
    state = await SearchState.start({ systemPrompt: systemPromptOf(trajectory), question: task.question, original, settings, count });
    for (let i = 0; i < prefixTurns.length; i++) {
      const turn = structuredClone(prefixTurns[i]!);
      trajectory.turns.push(turn);
      const step = await state.applyTurn(i, turn.text, turn.finish_reason);
      if (step.ended) {
        throw new ForkError(`cannot fork ${options.prefix!.trajectory.id} at turn ${prefixTurns.length}: ` +
          `turn ${i} already ends the search (${step.action}${step.overTurnReason ? `: ${step.overTurnReason}` : ''}) under these settings`);
      }
    }
  } catch (error) {
    if (error instanceof ForkError) throw error;
    return finish({ answer: null, status: 'error', error: messageOf(error) });
  }

  for (let i = prefixTurns.length; i < settings.max_turns; i++) {
    if (signal?.aborted) return finish({ answer: null, status: 'cancelled' });
    emit({ type: 'turnStarted', turn: i });
    const startedAt = new Date();
    const start = performance.now();
    let result;
    try {
      result = await policy.generate(state.messages, state.images, { ...samplingOfSettings(settings), max_tokens: settings.max_tokens, stop: [STOP_STRING] }, {
        ...(signal ? { signal } : {}),
        onChunk: (chunk) => {
          if (chunk.restart) emit({ type: 'turnRestarted', turn: i });
          if (chunk.delta !== '') emit({ type: 'textDelta', turn: i, delta: chunk.delta });
        },
      });
    } catch (error) {
      if (signal?.aborted) return finish({ answer: null, status: 'cancelled' });
      return finish({ answer: null, status: 'error', error: `turn ${i}: ${messageOf(error)}` });
    }
    if (result.finishReason === 'cancelled' || signal?.aborted) return finish({ answer: null, status: 'cancelled' });
    if (result.finishReason === 'error') return finish({ answer: null, status: 'error', error: `turn ${i}: the model reported an error` });

    const turn: Turn = { text: result.text, finish_reason: result.finishReason };
    const { promptTokens, completionTokens } = result.usage ?? {};
    if (promptTokens !== undefined || completionTokens !== undefined) {
      turn.tokens = {};
      if (promptTokens !== undefined) turn.tokens.prompt = promptTokens;
      if (completionTokens !== undefined) turn.tokens.completion = completionTokens;
    }
    turn.timing = { started_at: startedAt.toISOString(), ms: Math.round(performance.now() - start) };
    if (result.firstTokenMs !== undefined) turn.timing.first_token_ms = Math.round(result.firstTokenMs);
    trajectory.turns.push(turn);

    const exactContext = promptTokens !== undefined ? promptTokens + (completionTokens ?? count(result.text)) : undefined;
    let step: TurnStep;
    try {
      step = await state.applyTurn(i, result.text, result.finishReason, exactContext);
    } catch (error) {
      return finish({ answer: null, status: 'error', error: `turn ${i}: ${messageOf(error)}` });
    }
    if (step.observation) {
      const o = step.observation;
      emit({ type: 'cropMade', turn: i, observationIndex: o.index, rectInOriginal: o.rectInOriginal, size: o.size, modelSize: o.modelSize });
    }
    emit({ type: 'turnFinished', turn: i, action: step.action, status: step.status, trajectory: structuredClone(trajectory) });
    if (step.ended) return finish(outcomeOf(step, result.text, task));
    if (listenerError !== null) return finish({ answer: null, status: 'error', error: listenerError });
  }
  // Unreachable under Mini-o3's rules (a call on the last turn is over-turn); kept as a guard.
  return finish({ answer: null, status: 'error', error: `the search passed ${settings.max_turns} turns without ending` });
}

function outcomeOf(step: TurnStep, text: string, task: Task): Outcome {
  if (step.action === 'over_turn') {
    return withCorrect({ answer: null, status: 'over_turn' }, task);
  }
  const answer = parseAssistantTurn(text).answer;
  return withCorrect({ answer, status: step.action === 'void' ? 'void' : 'answered' }, task);
}

function withCorrect(outcome: Outcome, task: Task): Outcome {
  const correct = exactMatch(outcome.answer, task.answer);
  return correct === null ? outcome : { ...outcome, correct };
}

export class ForkError extends RangeError {
  override name = 'ForkError';
}

function checkPrefix(prefix: VisualSearchOptions['prefix'], settings: SearchSettings): Turn[] {
  if (!prefix) return [];
  const { trajectory, turns } = prefix;
  if (!Number.isSafeInteger(turns) || turns < 0 || turns > trajectory.turns.length) {
    throw new ForkError(`cannot fork ${trajectory.id} at turn ${turns}: it has ${trajectory.turns.length} turns`);
  }
  if (turns >= settings.max_turns) {
    throw new ForkError(`cannot fork ${trajectory.id} at turn ${turns}: max_turns is ${settings.max_turns}`);
  }
  return trajectory.turns.slice(0, turns);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
