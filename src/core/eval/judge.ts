import { exactMatch } from './exact-match';
import { miniO3Prediction } from './judge-prompts';

/** What a judge is given: the task's raw question (with `<image>`), its ground truth and the turns' texts. */
export interface JudgeInput {
  question: string;
  groundTruth: string | undefined;
  turnTexts: readonly string[];
}

/** A judge's verdict on one trajectory, stored as `eval.judge` on the trajectory. */
export interface JudgeVerdict {
  kind: 'exact' | 'llm';
  /** The judge model, for `llm`. */
  model?: string;
  /** What was judged: the first `<answer>` of the turns (Mini-o3 strict extraction), null without one. */
  prediction: string | null;
  /** 1 correct, 0 wrong; null when not scored (no ground truth, or the judge failed). */
  score: 0 | 1 | null;
  /** Set when the judge could not give a score: the trajectory counts in no accuracy. */
  failed?: string;
  /** The judge's reply that was scored (llm). */
  reply?: string;
  /** Requests made (llm). */
  attempts?: number;
}

export interface AnswerJudge {
  readonly kind: JudgeVerdict['kind'];
  /** Shown in reports: `exact` or `llm:<model>`. */
  readonly name: string;
  judge(input: JudgeInput, signal?: AbortSignal): Promise<JudgeVerdict>;
}

/** Normalized exact match of the first `<answer>` against the ground truth. */
export const exactJudge: AnswerJudge = {
  kind: 'exact',
  name: 'exact',
  async judge(input) {
    const prediction = miniO3Prediction(input.turnTexts);
    const match = exactMatch(prediction, input.groundTruth);
    return { kind: 'exact', prediction, score: match === null ? null : match ? 1 : 0 };
  },
};
