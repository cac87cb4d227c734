import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  JUDGE_QUERY_TEMPLATE,
  JUDGE_SYSTEM_PROMPT,
  judgeQuery,
  judgeTemperature,
  miniO3Prediction,
  parseJudgeReply,
  pythonStrip,
} from '../../../src/core/eval/judge-prompts';

// The prompts as mini-o3.md §1.4 quotes them: Python string bodies, escapes not yet applied.
const DOC_SYSTEM = String.raw`You are an intelligent chatbot designed for evaluating the correctness of generative outputs for question-answer pairs.\nYour task is to compare the predicted answer with the correct answer and determine if they match meaningfully. Here's how you can accomplish the task:\n------\n##INSTRUCTIONS:\n- Focus on the meaningful match between the predicted answer and the correct answer.\n- Consider synonyms or paraphrases as valid matches.\n- Evaluate the correctness of the prediction compared to the answer.`;
const DOC_QUERY = String.raw`I will give you a question related to an image and the following text as inputs:\n\n1. **Question Related to the Image**: {question}\n2. **Ground Truth Answer**: {ground_truth}\n3. **Model Predicted Answer**: {prediction}\n\nYour task is to evaluate the model's predicted answer against the ground truth answer, based on the context provided by the question related to the image. Consider the following criteria for evaluation:\n- **Relevance**: Does the predicted answer directly address the question posed, considering the information provided by the given question?\n- **Accuracy**: Compare the predicted answer to the ground truth answer. You need to evaluate from the following two perspectives:\n(1) If the ground truth answer is open-ended, consider whether the prediction accurately reflects the information given in the ground truth without introducing factual inaccuracies. If it does, the prediction should be considered correct.\n(2) If the ground truth answer is a definitive answer, strictly compare the model's prediction to the actual answer. Pay attention to unit conversions such as length and angle, etc. As long as the results are consistent, the model's prediction should be deemed correct.\n**Output Format**:\nYour response should include an integer score indicating the correctness of the prediction: 1 for correct and 0 for incorrect. Note that 1 means the model's prediction strictly aligns with the ground truth, while 0 means it does not.\nThe format should be \"Score: 0 or 1\"`;

/** Python's escapes as they occur in these literals. */
function unescapePython(body: string): string {
  return body.replace(/\\(n|"|'|\\)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

test('judge prompts match mini-o3.md byte for byte', () => {
  assert.equal(JUDGE_SYSTEM_PROMPT, unescapePython(DOC_SYSTEM));
  assert.equal(JUDGE_QUERY_TEMPLATE, unescapePython(DOC_QUERY));
  // Fingerprints of Mini-o3 general_qa_tool.py @ 8654dbf, computed from the Python module itself.
  const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
  assert.equal(JUDGE_SYSTEM_PROMPT.length, 500);
  assert.equal(JUDGE_QUERY_TEMPLATE.length, 1491);
  assert.equal(sha(JUDGE_SYSTEM_PROMPT).slice(0, 16), SYSTEM_SHA);
  assert.equal(sha(JUDGE_QUERY_TEMPLATE).slice(0, 16), QUERY_SHA);
});

const SYSTEM_SHA = '35e135a53f6a5347';
const QUERY_SHA = 'da9816361208f6be';

const researchDoc = [resolve(__dirname, '../../../../shared/research/mini-o3.md'), '/work/shared/research/mini-o3.md'].find((p) => existsSync(p));
test('judge prompts match the research notes when they are at hand', { skip: researchDoc ? false : 'mini-o3.md is not in this checkout' }, () => {
  const doc = readFileSync(researchDoc as string, 'utf8');
  const block = (after: string) => {
    const at = doc.indexOf(after);
    assert.ok(at >= 0, `mini-o3.md has "${after}"`);
    const match = /```\n([\s\S]*?)\n```/.exec(doc.slice(at));
    return unescapePython((match as RegExpExecArray)[1] as string);
  };
  assert.equal(JUDGE_SYSTEM_PROMPT, block('Judge system prompt (verbatim)'));
  assert.equal(JUDGE_QUERY_TEMPLATE, block('Judge query (verbatim'));
});

test('the query is filled like str.format, once, with the raw problem', () => {
  const q = judgeQuery('<image>\nWhat is on {the} sign?', 'K7Q2 {prediction}', '$& K7Q2');
  assert.ok(q.includes('**Question Related to the Image**: <image>\nWhat is on {the} sign?\n2.'));
  assert.ok(q.includes('**Ground Truth Answer**: K7Q2 {prediction}\n3.'));
  assert.ok(q.includes('**Model Predicted Answer**: $& K7Q2\n\nYour task'));
  const inserted = '<image>\nWhat is on {the} sign?'.length + 'K7Q2 {prediction}'.length + '$& K7Q2'.length;
  assert.equal(q.length, JUDGE_QUERY_TEMPLATE.length - '{question}{ground_truth}{prediction}'.length + inserted);
});

test('temperature per attempt: min(0.2*attempt, 1.0)', () => {
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map(judgeTemperature), [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1, 1]);
});

test('reply parsing follows Mini-o3', () => {
  const score = (reply: string) => {
    const p = parseJudgeReply(reply);
    return p.ok ? p.score : `fail: ${p.reason}`;
  };
  assert.equal(score('Score: 1'), 1);
  assert.equal(score('score: 0'), 0);
  assert.equal(score('The answers match.\nSCORE: 1\nbecause...'), 1);
  assert.equal(score('Score:1.'), 1);
  assert.equal(score('Score: **1**'), 1);
  assert.equal(score('Score: 10'), 1, "'1' in '10'");
  assert.equal(score('Score: 0 (not 1)'), 0, 'only the first word after score: counts');
  assert.equal(score('Score: 1 or 0? Score: 0'), 0, 'the last score: wins');
  assert.equal(score('Score:\n\n 1'), 1, 'strip() before taking the first line');
  assert.equal(score('Score:\u00a01'), 1, 'NBSP is whitespace to Python');
  assert.match(String(score('The prediction is correct.')), /no 'score:'/);
  assert.match(String(score('Score: correct')), /no '0' nor '1'/);
  assert.equal(score('Score: \u200b1'), 1, 'zero-width space is not whitespace to Python');
  assert.match(String(score('score: yes 1')), /no '0' nor '1'/);
});

test('python strip differs from trim where Python does', () => {
  assert.equal(pythonStrip('\x1c a \x1f'), 'a');
  assert.equal(pythonStrip('\ufeffa'), '\ufeffa');
  assert.equal(pythonStrip('\u2003a\u3000'), 'a');
});

test('the prediction is the first <answer> of the turns joined by spaces', () => {
  assert.equal(miniO3Prediction(['<think>x</think><grounding>{}</grounding>', '<think>y</think><answer>K7Q2</answer>']), 'K7Q2');
  assert.equal(miniO3Prediction(['<think><answer>a</answer></think>', '<answer>b</answer>']), 'a');
  assert.equal(miniO3Prediction(['<answer>multi\nline</answer>']), 'multi\nline');
  assert.equal(miniO3Prediction(['<answer>split', '</answer>']), 'split ');
  assert.equal(miniO3Prediction(['<think>no answer</think>']), null);
});
