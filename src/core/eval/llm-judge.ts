import type { AnswerJudge, JudgeInput, JudgeVerdict } from './judge';
import { ChatCompletionError, type ChatCompletion } from './chat-completion';
import {
  JUDGE_SYSTEM_PROMPT,
  MINIO3_JUDGE_ATTEMPTS,
  MINIO3_JUDGE_MAX_TOKENS,
  judgeQuery,
  judgeTemperature,
  miniO3Prediction,
  parseJudgeReply,
} from './judge-prompts';

export interface LlmJudgeOptions {
  complete: ChatCompletion;
  /** Judge model name, for the record. */
  model: string;
  /** Requests before giving up (Mini-o3: 5). */
  attempts?: number;
  maxTokens?: number;
  /** Pause after a failed attempt (Mini-o3: 1 s). */
  retryDelayMs?: number;
  /** Pause after HTTP 429 when the server names none (Mini-o3: 3 s); such waits are not attempts. */
  rateLimitDelayMs?: number;
  /** Mini-o3 waits out rate limits forever; this caps the waits per trajectory. */
  maxRateLimitWaits?: number;
}

/**
 * Mini-o3's GPT judge (`general_qa_tool.py`): system prompt + query verbatim, temperature
 * `min(0.2*attempt, 1.0)`, up to 5 attempts; an attempt fails on a transport error or a reply
 * without a readable `score:`. No `<answer>` scores 0 without a request; no score after the last
 * attempt marks the verdict failed (Mini-o3 filters such samples out).
 */
export class LlmJudge implements AnswerJudge {
  readonly kind = 'llm' as const;
  readonly name: string;
  private readonly attempts: number;
  private readonly maxTokens: number;
  private readonly retryDelayMs: number;
  private readonly rateLimitDelayMs: number;
  private readonly maxRateLimitWaits: number;

  constructor(private readonly options: LlmJudgeOptions) {
    this.name = `llm:${options.model}`;
    this.attempts = Math.max(1, options.attempts ?? MINIO3_JUDGE_ATTEMPTS);
    this.maxTokens = options.maxTokens ?? MINIO3_JUDGE_MAX_TOKENS;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.rateLimitDelayMs = options.rateLimitDelayMs ?? 3000;
    this.maxRateLimitWaits = options.maxRateLimitWaits ?? 20;
  }

  async judge(input: JudgeInput, signal?: AbortSignal): Promise<JudgeVerdict> {
    const base = { kind: 'llm' as const, model: this.options.model };
    const prediction = miniO3Prediction(input.turnTexts);
    if (input.groundTruth === undefined) return { ...base, prediction, score: null };
    if (prediction === null) return { ...base, prediction, score: 0, attempts: 0 };
    const messages = [
      { role: 'system' as const, content: [{ type: 'text' as const, text: JUDGE_SYSTEM_PROMPT }] },
      { role: 'user' as const, content: [{ type: 'text' as const, text: judgeQuery(input.question, input.groundTruth, prediction) }] },
    ];
    let lastProblem = '';
    let requests = 0;
    let rateLimitWaits = 0;
    for (let attempt = 0; attempt < this.attempts; ) {
      signal?.throwIfAborted();
      requests++;
      try {
        const reply = await this.options.complete({ messages, temperature: judgeTemperature(attempt), maxTokens: this.maxTokens }, signal);
        const parsed = parseJudgeReply(reply);
        if (parsed.ok) return { ...base, prediction, score: parsed.score, reply, attempts: requests };
        lastProblem = `${parsed.reason}: ${JSON.stringify(reply.slice(0, 200))}`;
      } catch (error) {
        if (signal?.aborted) throw error;
        lastProblem = error instanceof Error ? error.message : String(error);
        if (error instanceof ChatCompletionError && error.status === 429 && rateLimitWaits < this.maxRateLimitWaits) {
          rateLimitWaits++;
          await sleep(error.retryAfterMs ?? this.rateLimitDelayMs, signal);
          continue;
        }
      }
      attempt++;
      if (attempt < this.attempts) await sleep(this.retryDelayMs, signal);
    }
    return { ...base, prediction, score: null, failed: `no score after ${this.attempts} attempts; last: ${lastProblem}`, attempts: requests };
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
