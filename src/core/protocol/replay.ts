import type { Box4, Limits, StatusLabel, Trajectory } from '../trajectory/schema';
import { limitsOf } from '../trajectory/schema';
import { composeToOriginal, type Size } from '../geometry/boxes';
import { parseAssistantTurn, type ParsedTurn } from './parse';
import { ENDS_WITH_ANSWER, isToolCall, resolveStrictCall } from './strict-call';
import { CONTEXT_MARGIN, errorFeedback, observationPrompt } from './prompts';

/**
 * Re-runs Mini-o3's harness (`_async_rollout_a_request`) over recorded turns without a model:
 * which turn cropped what, which call failed and with what error text, where the run went
 * over its limits, and what the harness fed back after each turn.
 */

export type TurnAction = 'crop' | 'error' | 'answer' | 'over_turn' | 'void';
export type OverTurnReason = 'image_limit' | 'last_turn' | 'context';

export interface TurnReplay {
  index: number;
  parsed: ParsedTurn;
  action: TurnAction;
  status: StatusLabel;
  /** For 'error': `str(e)` as Mini-o3 reports it. */
  errorInfo?: string;
  /** False when errorInfo is our closest rendering of a Python error we cannot reproduce exactly. */
  errorInfoExact?: boolean;
  /** For crop/error turns whose call resolved a source. */
  sourceIndex?: number;
  /** The crop rectangle in the source image's pixels (PIL crop box: [x0,x1) x [y0,y1)). */
  pixelBox?: Box4;
  /** 1-based index of the observation this turn created. */
  observationIndex?: number;
  /** The crop rectangle in original-image pixels. */
  boxInOriginal?: Box4;
  /** The user message the harness appends after this turn (vision tokens inline), or null. */
  feedback: string | null;
  overTurnReason?: OverTurnReason;
  /** Context length (tokens) after this turn and its feedback, when a budget was given. */
  contextAfter?: number;
  findings: string[];
}

export interface ObservationInfo {
  /** 0 = the original image; N = observation_N. */
  index: number;
  size: Size;
  rectInOriginal: Box4;
  /** The turn that made it (-1 for the original). */
  turn: number;
}

export interface TrajectoryReplay {
  turns: TurnReplay[];
  status: StatusLabel;
  /** The final answer (first `<answer>` of the answer turn), null when there is none. */
  answer: string | null;
  observations: ObservationInfo[];
  /** Total context tokens at the end, when a budget was given. */
  contextTokens: number | null;
  /** Problems with the trajectory as a whole (turns after the end, missing answer...). */
  findings: string[];
}

/** Token accounting for the context-length limit; images are counted by their pre-resize size. */
export interface TokenBudget {
  /** Tokens of the initial prompt (system + user, chat template) including the original image. */
  initialPrompt(t: Trajectory, originalSize: Size): number;
  text(text: string): number;
  /** Tokens of a crop of this (pre-resize) size after Mini-o3's rescale and Qwen's smart_resize. */
  cropImage(size: Size): number;
}

export interface ReplayOptions {
  originalSize: Size;
  limits?: Partial<Limits>;
  /** Without a budget the context-length limit is not checked. */
  budget?: TokenBudget;
}

export function replayTrajectory(t: Trajectory, options: ReplayOptions): TrajectoryReplay {
  const limits = { ...limitsOf(t), ...(options.limits ?? {}) };
  const { originalSize, budget } = options;
  const observations: ObservationInfo[] = [
    { index: 0, size: originalSize, rectInOriginal: [0, 0, originalSize.width, originalSize.height], turn: -1 },
  ];
  const contextLimit = limits.max_context - CONTEXT_MARGIN;
  let context = budget ? budget.initialPrompt(t, originalSize) : 0;
  let imagesInContext = 1;
  const turns: TurnReplay[] = [];
  const findings: string[] = [];
  let ended = false;

  for (let i = 0; i < t.turns.length; i++) {
    const turn = t.turns[i]!;
    if (ended) {
      findings.push(`turn ${i} comes after the trajectory ended at turn ${i - 1}: Mini-o3 would never generate it`);
      break;
    }
    const parsed = parseAssistantTurn(turn.text);
    const r: TurnReplay = { index: i, parsed, action: 'answer', status: 'valid', feedback: null, findings: [...parsed.problems] };
    turns.push(r);
    if (budget) context += budget.text(turn.text);

    if (!isToolCall(turn.text)) {
      ended = true;
      const cutByLength = turn.finish_reason === 'length';
      const endsWithAnswer = ENDS_WITH_ANSWER.test(turn.text);
      if (cutByLength || !endsWithAnswer) {
        r.action = 'void';
        r.status = 'void';
        r.findings.push(cutByLength ? 'generation was cut by the token limit (finish_reason "length")' : 'the final turn does not end with <answer>…</answer>');
      }
      if (budget) r.contextAfter = context;
      continue;
    }

    if (imagesInContext >= limits.max_images || i === limits.max_turns - 1) {
      overTurn(r, imagesInContext >= limits.max_images ? 'image_limit' : 'last_turn');
      ended = true;
      continue;
    }
    if (budget && context >= contextLimit) {
      overTurn(r, 'context');
      ended = true;
      continue;
    }

    const call = resolveStrictCall(turn.text, observations.map((o) => o.size));
    let added = 0;
    if (call.ok) {
      const source = observations[call.sourceIndex]!;
      const rect = composeToOriginal(source.rectInOriginal, call.pixelBox);
      const size = { width: call.pixelBox[2] - call.pixelBox[0], height: call.pixelBox[3] - call.pixelBox[1] };
      r.action = 'crop';
      r.sourceIndex = call.sourceIndex;
      r.pixelBox = call.pixelBox;
      r.boxInOriginal = rect;
      r.feedback = observationPrompt(i, i + 1);
      if (budget) added = budget.text(wrapFeedback(r.feedback)) + budget.cropImage(size) - 1;
      if (budget && context + added >= contextLimit) {
        // Mini-o3 rolls the observation back and stops.
        overTurn(r, 'context');
        r.feedback = null;
        ended = true;
        continue;
      }
      r.observationIndex = observations.length;
      observations.push({ index: observations.length, size, rectInOriginal: rect, turn: i });
      imagesInContext++;
    } else {
      r.action = 'error';
      r.status = call.kind === 'format' ? 'invalid_format' : 'invalid_clip';
      r.errorInfo = call.errorInfo;
      r.errorInfoExact = call.exact;
      r.feedback = errorFeedback(call.errorInfo);
      r.findings.push(call.explanation);
      if (budget) added = budget.text(wrapFeedback(r.feedback));
      if (budget && context + added >= contextLimit) {
        overTurn(r, 'context');
        r.feedback = null;
        ended = true;
        continue;
      }
    }
    context += added;
    if (budget) r.contextAfter = context;
  }

  const last = turns[turns.length - 1];
  if (!ended && t.turns.length > 0) findings.push('the trajectory stops after a tool call, with no answer turn');
  if (t.turns.length === 0) findings.push('the trajectory has no turns');
  const status = trajectoryStatus(turns, ended);
  const answer = last && (last.action === 'answer' || last.action === 'void') ? last.parsed.answer : null;
  return { turns, status, answer, observations, contextTokens: budget ? context : null, findings };
}

/** The user message as the template wraps it; used for token counting. */
function wrapFeedback(feedback: string): string {
  return `<|im_end|>\n<|im_start|>user\n${feedback}<|im_end|>\n<|im_start|>assistant\n`;
}

function overTurn(r: TurnReplay, reason: OverTurnReason): void {
  r.action = 'over_turn';
  r.status = 'over_turn';
  r.overTurnReason = reason;
  const why = {
    image_limit: 'the image limit was reached with a tool call pending',
    last_turn: 'the last allowed turn made a tool call',
    context: 'the context budget (max context - 2000 tokens) was exceeded',
  }[reason];
  r.findings.push(`over-turn: ${why}`);
}

/** over_turn and void end a run and win; otherwise the worst turn label. */
function trajectoryStatus(turns: TurnReplay[], ended: boolean): StatusLabel {
  const last = turns[turns.length - 1];
  if (!last || !ended) return 'void';
  if (last.status === 'over_turn' || last.status === 'void') return last.status;
  if (turns.some((t) => t.status === 'invalid_format')) return 'invalid_format';
  if (turns.some((t) => t.status === 'invalid_clip')) return 'invalid_clip';
  return 'valid';
}
