/**
 * Mini-o3's answer-judge prompts, byte for byte (Mini-o3 `verl/utils/reward_score/general_qa_tool.py`
 * @ 8654dbf; mini-o3.md §1.4). The query is filled like Python's `str.format`.
 */
export const JUDGE_SYSTEM_PROMPT =
  "You are an intelligent chatbot designed for evaluating the correctness of generative outputs for question-answer pairs.\nYour task is to compare the predicted answer with the correct answer and determine if they match meaningfully. Here's how you can accomplish the task:\n------\n##INSTRUCTIONS:\n- Focus on the meaningful match between the predicted answer and the correct answer.\n- Consider synonyms or paraphrases as valid matches.\n- Evaluate the correctness of the prediction compared to the answer.";

export const JUDGE_QUERY_TEMPLATE =
  "I will give you a question related to an image and the following text as inputs:\n\n1. **Question Related to the Image**: {question}\n2. **Ground Truth Answer**: {ground_truth}\n3. **Model Predicted Answer**: {prediction}\n\nYour task is to evaluate the model's predicted answer against the ground truth answer, based on the context provided by the question related to the image. Consider the following criteria for evaluation:\n- **Relevance**: Does the predicted answer directly address the question posed, considering the information provided by the given question?\n- **Accuracy**: Compare the predicted answer to the ground truth answer. You need to evaluate from the following two perspectives:\n(1) If the ground truth answer is open-ended, consider whether the prediction accurately reflects the information given in the ground truth without introducing factual inaccuracies. If it does, the prediction should be considered correct.\n(2) If the ground truth answer is a definitive answer, strictly compare the model's prediction to the actual answer. Pay attention to unit conversions such as length and angle, etc. As long as the results are consistent, the model's prediction should be deemed correct.\n**Output Format**:\nYour response should include an integer score indicating the correctness of the prediction: 1 for correct and 0 for incorrect. Note that 1 means the model's prediction strictly aligns with the ground truth, while 0 means it does not.\nThe format should be \"Score: 0 or 1\"";

/** Mini-o3's judge model and its per-request settings. */
export const MINIO3_JUDGE_MODEL = 'gpt-4o-2024-11-20';
export const MINIO3_JUDGE_MAX_TOKENS = 16384;
export const MINIO3_JUDGE_ATTEMPTS = 5;

/** Attempt 0, 1, 2… runs at temperature 0, 0.2, 0.4… (Mini-o3: `min(0.2*attempt, 1.0)`). */
export function judgeTemperature(attempt: number): number {
  return Math.min(0.2 * attempt, 1.0);
}

/**
 * `QUERY_PROMPT.format(question=…, ground_truth=…, prediction=…)`: one pass, so braces inside
 * the inserted values stay as they are.
 */
export function judgeQuery(question: string, groundTruth: string, prediction: string): string {
  const values: Record<string, string> = { question, ground_truth: groundTruth, prediction };
  return JUDGE_QUERY_TEMPLATE.replace(/\{(question|ground_truth|prediction)\}/g, (_, name: string) => values[name] ?? '');
}

const PYTHON_WHITESPACE = new Set([
  ...' \t\n\v\f\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000',
  ...Array.from({ length: 11 }, (_, i) => String.fromCharCode(0x2000 + i)),
]);

/** Python's `str.strip()` with no argument (its whitespace set differs from `String.prototype.trim`). */
export function pythonStrip(text: string): string {
  const chars = [...text];
  let start = 0;
  let end = chars.length;
  while (start < end && PYTHON_WHITESPACE.has(chars[start] as string)) start++;
  while (end > start && PYTHON_WHITESPACE.has(chars[end - 1] as string)) end--;
  return chars.slice(start, end).join('');
}

export type JudgeReplyParse = { ok: true; score: 0 | 1; extracted: string } | { ok: false; reason: string };

/**
 * Mini-o3's reading of a judge reply: it must contain `score:` (any case); the first word of the
 * first line after the last `score:` must hold a '1' or a '0'; a '1' anywhere in it scores 1.
 */
export function parseJudgeReply(reply: string): JudgeReplyParse {
  const lower = reply.toLowerCase();
  if (!lower.includes('score:')) return { ok: false, reason: "no 'score:' in the reply" };
  const afterScore = lower.split('score:').pop() ?? '';
  const extracted = pythonStrip(pythonStrip(afterScore).split('\n')[0] ?? '').split(' ')[0] ?? '';
  if (!extracted.includes('1') && !extracted.includes('0')) return { ok: false, reason: `no '0' nor '1' after 'score:' (got ${JSON.stringify(extracted)})` };
  return { ok: true, score: extracted.includes('1') ? 1 : 0, extracted };
}

/**
 * The prediction Mini-o3 sends to the judge (`extract_answer_tags="strict"`): the first
 * `<answer>…</answer>` in the turns joined by spaces; null when there is none (scored 0, no judge call).
 */
export function miniO3Prediction(turnTexts: readonly string[]): string | null {
  const match = /<answer>([\s\S]*?)<\/answer>/.exec(turnTexts.join(' '));
  return match ? (match[1] as string) : null;
}
