import { KvCache } from './kv-cache';
import type { FloatType } from './model-sessions';

/**
 * The KV caches kept between turns. A new turn's prompt usually extends what a cache already
 * holds (the previous prompt, the generated turn, then the appended message with the new
 * crop): only the tokens after the longest common prefix are prefilled. The prefix is compared
 * token by token and, for image placeholders, image by image (same pixels, same grid), so a fork,
 * an edited turn or a turn whose text re-tokenizes differently from the generated ids reuses
 * exactly as much as is still valid — the result equals a full re-prefill by construction.
 */

export interface ImageSpan {
  /** Content hash of the image's pixels and grid. */
  key: string;
  start: number;
  length: number;
}

export class CachedConversation {
  /** Token ids whose keys and values are in `kv`, in order. */
  ids: number[] = [];
  images: ImageSpan[] = [];
  lastUsed = 0;

  constructor(readonly kv: KvCache) {}

  /**
   * How many leading tokens of `ids` this cache can keep. At least one token is always left to
   * feed (its logits choose the first new token), and an image is kept whole or not at all.
   */
  reusablePrefix(ids: readonly number[], images: readonly ImageSpan[]): number {
    const limit = Math.min(this.ids.length, ids.length - 1);
    let keep = 0;
    while (keep < limit && this.ids[keep] === ids[keep]) keep++;
    for (const cached of this.images) {
      if (cached.start >= keep) break;
      const same = images.find((s) => s.start === cached.start);
      const whole = cached.start + cached.length <= keep;
      if (!same || same.key !== cached.key || same.length !== cached.length || !whole) {
        keep = cached.start;
        break;
      }
    }
    return Math.max(0, keep);
  }

  /** Drops everything from position `n` on. */
  truncate(n: number): void {
    this.ids.length = Math.min(this.ids.length, n);
    this.images = this.images.filter((s) => s.start + s.length <= n);
    this.kv.truncate(n);
  }

  /** Records tokens just fed to the decoder (their KV entries are now in `kv`). */
  append(ids: readonly number[], images: readonly ImageSpan[] = []): void {
    for (const id of ids) this.ids.push(id);
    for (const span of images) this.images.push(span);
  }
}

export class PrefixCachePool {
  private readonly slots: CachedConversation[] = [];
  private clock = 0;

  constructor(
    private readonly capacity: number,
    private readonly make: () => KvCache,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`cache slots must be a whole number >= 1, got ${capacity}`);
  }

  /**
   * The cache that keeps the most of this prompt (a fresh or least recently used one when none
   * shares anything), already truncated to the reusable prefix.
   */
  take(ids: readonly number[], images: readonly ImageSpan[]): { slot: CachedConversation; reused: number } {
    let best: CachedConversation | null = null;
    let bestKeep = 0;
    for (const slot of this.slots) {
      const keep = slot.reusablePrefix(ids, images);
      if (keep > bestKeep) {
        best = slot;
        bestKeep = keep;
      }
    }
    if (best === null) {
      if (this.slots.length < this.capacity) {
        best = new CachedConversation(this.make());
        this.slots.push(best);
      } else {
        best = this.slots.reduce((a, b) => (a.lastUsed <= b.lastUsed ? a : b));
      }
      bestKeep = 0;
    }
    best.truncate(bestKeep);
    best.lastUsed = ++this.clock;
    return { slot: best, reused: bestKeep };
  }

  /** Forgets everything (after a failure left a cache in an unknown state, or on request). */
  clear(): void {
    for (const slot of this.slots) slot.truncate(0);
  }

  get bytes(): number {
    return this.slots.reduce((sum, s) => sum + s.kv.bytes, 0);
  }
}

export function kvCacheFactory(layers: number, kvHeads: number, headDim: number, type: FloatType): () => KvCache {
  return () => new KvCache(layers, kvHeads, headDim, type);
}
