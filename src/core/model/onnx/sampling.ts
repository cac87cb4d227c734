/**
 * Next-token choice from one row of logits: greedy, or temperature → top-k → top-p sampling
 * (the order vLLM and Hugging Face apply them) with a seeded generator, so a seed reproduces
 * a turn exactly.
 */

export interface SamplingSettings {
  /** 0 means greedy. */
  temperature: number;
  /** 1 means off. */
  topP: number;
  /** -1 (or 0) means off. */
  topK: number;
  seed: number;
}

/** mulberry32: a small, fast 32-bit generator; uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = (seed ^ 0x9e3779b9) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Index of the largest logit among the first `limit` (ties: the lowest index, as torch.argmax). */
export function argmax(logits: Float32Array, limit = logits.length): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < limit; i++) {
    const v = logits[i]!;
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

export class TokenSampler {
  private readonly random: () => number;
  /** Scratch buffer of probabilities, reused between steps. */
  private probs = new Float32Array(0);

  constructor(private readonly settings: SamplingSettings) {
    if (!(settings.temperature >= 0)) throw new RangeError(`temperature must be >= 0, got ${settings.temperature}`);
    if (!(settings.topP > 0 && settings.topP <= 1)) throw new RangeError(`top_p must be in (0, 1], got ${settings.topP}`);
    this.random = seededRandom(settings.seed);
  }

  get greedy(): boolean {
    return this.settings.temperature === 0 || this.settings.topK === 1;
  }

  /** Picks a token id below `limit` (ids the tokenizer cannot decode are never chosen). */
  next(logits: Float32Array, limit = logits.length): number {
    if (this.greedy) return argmax(logits, limit);
    const { temperature, topK, topP } = this.settings;
    if (this.probs.length < limit) this.probs = new Float32Array(limit);
    const probs = this.probs;
    const max = logits[argmax(logits, limit)]!;
    let sum = 0;
    for (let i = 0; i < limit; i++) {
      const p = Math.exp((logits[i]! - max) / temperature);
      probs[i] = p;
      sum += p;
    }
    const useTopK = topK > 0 && topK < limit;
    if (!useTopK && topP >= 1) return this.draw(probs, limit, sum);
    const candidates = this.candidates(probs, limit, sum, useTopK ? topK : limit, topP);
    let kept = 0;
    for (const id of candidates) kept += probs[id]!;
    let u = this.random() * kept;
    for (const id of candidates) {
      u -= probs[id]!;
      if (u < 0) return id;
    }
    return candidates[candidates.length - 1]!;
  }

  /** Inverse-CDF draw over all ids. */
  private draw(probs: Float32Array, limit: number, sum: number): number {
    let u = this.random() * sum;
    let last = 0;
    for (let i = 0; i < limit; i++) {
      const p = probs[i]!;
      if (p === 0) continue;
      last = i;
      u -= p;
      if (u < 0) return i;
    }
    return last;
  }

  /**
   * The ids top-k and top-p keep, most probable first. Only ids above a threshold are sorted:
   * the threshold is lowered until the ids above it are sure to contain the kept set (at least
   * k of them with top-k, else at least top_p of the mass), so the rest never needs sorting.
   * As in vLLM and Hugging Face, top-p applies to the distribution renormalised after top-k.
   */
  private candidates(probs: Float32Array, limit: number, sum: number, k: number, topP: number): number[] {
    const useTopK = k < limit;
    let threshold = probs[argmax(probs, limit)]! / 64;
    let above: number[] = [];
    for (;;) {
      above = [];
      let mass = 0;
      for (let i = 0; i < limit; i++) {
        const p = probs[i]!;
        if (p >= threshold) {
          above.push(i);
          mass += p;
        }
      }
      const enough = useTopK ? above.length >= k : mass >= topP * sum;
      if (enough || threshold === 0 || above.length === limit) break;
      threshold = threshold < 1e-30 ? 0 : threshold / 64;
    }
    // Ties keep the lower id first, as a stable descending sort does.
    above.sort((a, b) => probs[b]! - probs[a]! || a - b);
    const topKept = useTopK ? above.slice(0, k) : above;
    if (topP >= 1) return topKept;
    let keptMass = 0;
    for (const id of topKept) keptMass += probs[id]!;
    const out: number[] = [];
    let cumulative = 0;
    for (const id of topKept) {
      out.push(id);
      cumulative += probs[id]!;
      if (cumulative >= topP * keptMass) break;
    }
    return out;
  }
}
