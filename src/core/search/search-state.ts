import type { Size } from '../geometry/boxes';
import { composeToOriginal } from '../geometry/boxes';
import { cropDecoded } from '../imaging/crop';
import type { DecodedImage } from '../imaging/decoded-image';
import { encodeImage } from '../imaging/encode';
import { minio3ResizeForModel, minio3ResizeInitial } from '../imaging/minio3-resize';
import type { PolicyImage, PolicyMessage } from '../model/policy';
import { CONTEXT_MARGIN, errorFeedback, observationPrompt } from '../protocol/prompts';
import type { OverTurnReason, TurnAction } from '../protocol/replay';
import { ENDS_WITH_ANSWER, isToolCall, resolveStrictCall } from '../protocol/strict-call';
import type { Box4, StatusLabel } from '../trajectory/schema';
import { assistantMessage, feedbackMessage, questionMessage, systemMessage } from './conversation';
import type { SearchSettings } from './settings';
import {
  appendedMessageText,
  cropModelSize,
  initialPromptText,
  modelImageTokens,
  type TextCounter,
} from './token-accounting';

/**
 * The state of Mini-o3's harness between turns (`_async_rollout_a_request` + `process_tool_call`):
 * the observations a `source` can name, the images and messages the model sees, and the
 * context length. `applyTurn` is the harness's reaction to one assistant turn; the agent loop
 * calls it for generated turns and for the kept turns of a fork alike.
 */

export interface ObservationState {
  /** 0 = the original; N = observation_N. */
  index: number;
  /** Size before the resize: what the relative coordinates of a call on it refer to. */
  size: Size;
  rectInOriginal: Box4;
  /** The turn that made it (-1 for the original). */
  turn: number;
  /** Size as the model sees it. */
  modelSize: Size;
}

export interface TurnStep {
  action: TurnAction;
  status: StatusLabel;
  /** True when the harness stops after this turn. */
  ended: boolean;
  overTurnReason?: OverTurnReason;
  errorInfo?: string;
  /** The user message appended after the turn (vision tokens inline), or null. */
  feedback: string | null;
  /** The observation this turn made. */
  observation?: ObservationState;
  /** Context length after the turn and its appended message. */
  context: number;
}

/**
 * PNG zlib level for images sent to the model. Lossless at any level; 0 (stored) encodes a
 * 500k-pixel crop in ~2 ms against ~16 ms at level 1, and photo pixels barely compress
 * without PNG filtering anyway (measured in bench/search-loop.bench.ts).
 */
const MODEL_PNG_COMPRESSION = 0;

/**
 * The original as the model sees it, per decoded image and pixel bounds: repeated searches of
 * one task (Avg@k sampling, forks) share the LANCZOS resize and the encoding. Keyed weakly by
 * the ImageCache's shared DecodedImage, so entries go when the cache drops the image.
 */
const shownOriginals = new WeakMap<DecodedImage, Map<string, Promise<PolicyImage>>>();

function shownOriginal(original: DecodedImage, settings: SearchSettings): Promise<PolicyImage> {
  let bySettings = shownOriginals.get(original);
  if (!bySettings) {
    bySettings = new Map();
    shownOriginals.set(original, bySettings);
  }
  const key = `${settings.min_pixels}:${settings.max_pixels}`;
  let image = bySettings.get(key);
  if (!image) {
    image = policyImage(minio3ResizeInitial(original, { minPixels: settings.min_pixels, maxPixels: settings.max_pixels }));
    image.catch(() => bySettings.delete(key));
    bySettings.set(key, image);
  }
  return image;
}

export class SearchState {
  readonly observations: ObservationState[] = [];
  readonly images: PolicyImage[] = [];
  readonly messages: PolicyMessage[] = [];
  context = 0;

  private constructor(
    private readonly original: DecodedImage,
    private readonly settings: SearchSettings,
    private readonly count: TextCounter,
  ) {}

  /** System prompt and question with the original resized as the dataset does it (LANCZOS). */
  static async start(args: {
    systemPrompt: string;
    question: string;
    original: DecodedImage;
    settings: SearchSettings;
    count: TextCounter;
  }): Promise<SearchState> {
    const { original, settings } = args;
    const state = new SearchState(original, settings, args.count);
    const shown = await shownOriginal(original, settings);
    state.images.push(shown);
    state.observations.push({
      index: 0,
      size: { width: original.width, height: original.height },
      rectInOriginal: [0, 0, original.width, original.height],
      turn: -1,
      modelSize: { width: shown.width, height: shown.height },
    });
    state.messages.push(systemMessage(args.systemPrompt), questionMessage(args.question));
    state.context = args.count(initialPromptText(args.systemPrompt, args.question)) + modelImageTokens(state.observations[0]!.modelSize) - 1;
    return state;
  }

  /**
   * The harness's reaction to assistant turn `turnIndex`.
   * @param exactContext the context length including this turn's text when the server reported
   *   it (`prompt_tokens + completion_tokens`); otherwise the text is counted and added.
   */
  async applyTurn(turnIndex: number, text: string, finishReason: string | undefined, exactContext?: number): Promise<TurnStep> {
    const { settings } = this;
    this.messages.push(assistantMessage(text));
    this.context = exactContext ?? this.context + this.count(text);
    const limit = settings.max_context - CONTEXT_MARGIN;
    const step = (fields: Omit<TurnStep, 'context'>): TurnStep => ({ ...fields, context: this.context });

    if (!isToolCall(text)) {
      const isVoid = finishReason === 'length' || !ENDS_WITH_ANSWER.test(text);
      return step({ action: isVoid ? 'void' : 'answer', status: isVoid ? 'void' : 'valid', ended: true, feedback: null });
    }
    const overTurn = (reason: OverTurnReason): TurnStep =>
      step({ action: 'over_turn', status: 'over_turn', ended: true, overTurnReason: reason, feedback: null });
    if (this.images.length >= settings.max_images) return overTurn('image_limit');
    if (turnIndex === settings.max_turns - 1) return overTurn('last_turn');
    if (this.context >= limit) return overTurn('context');

    const call = resolveStrictCall(text, this.observations.map((o) => o.size));
    if (!call.ok) {
      const feedback = errorFeedback(call.errorInfo);
      const added = this.count(appendedMessageText(feedback));
      // Mini-o3 rolls the appended message back and stops.
      if (this.context + added >= limit) return overTurn('context');
      this.messages.push(feedbackMessage(feedback, null));
      this.context += added;
      return step({
        action: 'error', status: call.kind === 'format' ? 'invalid_format' : 'invalid_clip', ended: false,
        errorInfo: call.errorInfo, feedback,
      });
    }

    const source = this.observations[call.sourceIndex]!;
    const rectInOriginal = composeToOriginal(source.rectInOriginal, call.pixelBox);
    const size = { width: call.pixelBox[2] - call.pixelBox[0], height: call.pixelBox[3] - call.pixelBox[1] };
    const bounds = { min_pixels: settings.min_pixels, max_pixels: settings.max_pixels };
    const modelSize = cropModelSize(size, bounds);
    const feedback = observationPrompt(turnIndex, turnIndex + 1);
    const added = this.count(appendedMessageText(feedback)) + modelImageTokens(modelSize) - 1;
    if (this.context + added >= limit) return overTurn('context');

    // observation_N is a plain crop of its source, so cutting the decoded original at the
    // composed rectangle gives the very pixels of cropping the un-resized source.
    const crop = cropDecoded(this.original, rectInOriginal);
    const shown = minio3ResizeForModel(crop, { minPixels: settings.min_pixels, maxPixels: settings.max_pixels });
    this.images.push(await policyImage(shown));
    const observation: ObservationState = {
      index: this.observations.length,
      size,
      rectInOriginal,
      turn: turnIndex,
      modelSize: { width: shown.width, height: shown.height },
    };
    this.observations.push(observation);
    this.messages.push(feedbackMessage(feedback, this.images.length - 1));
    this.context += added;
    return step({ action: 'crop', status: 'valid', ended: false, feedback, observation });
  }
}

async function policyImage(img: DecodedImage): Promise<PolicyImage> {
  const bytes = await encodeImage(img, 'png', undefined, MODEL_PNG_COMPRESSION);
  return { width: img.width, height: img.height, bytes, mime: 'image/png', rgb: img.data };
}
