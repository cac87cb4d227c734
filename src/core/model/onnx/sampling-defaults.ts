import { randomInt } from 'node:crypto';
import type { GenerateParams } from '../policy';
import type { GenerationDefaults } from './model-folder';
import type { SamplingSettings } from './sampling';

/**
 * The sampling a turn runs with: the request's values, else the model's generation_config.json
 * (as vLLM applies it by default), else OpenAI's defaults (temperature 1, top_p 1, no top-k).
 * A request without a seed gets a random one, so only seeded turns repeat.
 */
export function resolveSampling(params: GenerateParams, defaults: GenerationDefaults): SamplingSettings {
  const greedyModel = defaults.doSample === false;
  const temperature = params.temperature ?? (greedyModel ? 0 : defaults.temperature ?? 1);
  const topP = params.top_p ?? (greedyModel ? 1 : defaults.topP ?? 1);
  const topK = params.top_k ?? (greedyModel ? -1 : defaults.topK ?? -1);
  if (!(Number.isFinite(temperature) && temperature >= 0)) throw new RangeError(`temperature must be a number >= 0, got ${temperature}`);
  if (!(Number.isFinite(topP) && topP > 0 && topP <= 1)) throw new RangeError(`top_p must be in (0, 1], got ${topP}`);
  if (!(Number.isSafeInteger(topK) && (topK === -1 || topK >= 0))) throw new RangeError(`top_k must be -1 (off) or a whole number, got ${topK}`);
  if (params.seed !== undefined && !Number.isSafeInteger(params.seed)) throw new RangeError(`seed must be an integer, got ${params.seed}`);
  const seed = params.seed ?? randomInt(0, 2 ** 32);
  return { temperature, topP, topK, seed: seed >>> 0 };
}
