/**
 * Seeded pseudo-random numbers (sfc32), identical on every machine: only 32-bit integer
 * arithmetic and exact float division by 2^32, so the same seed gives the same sequence
 * bit for bit on any JavaScript engine.
 */
export interface Rng {
  /** Uniform in [0, 1), a multiple of 2^-32. */
  next(): number;
  /** Uniform integer in [min, maxInclusive]. */
  int(min: number, maxInclusive: number): number;
  /** Uniform in [min, max). */
  float(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A shuffled copy (Fisher-Yates). */
  shuffled<T>(items: readonly T[]): T[];
  /** A fresh 32-bit seed drawn from this stream, for an independent sub-stream. */
  seed(): number;
}

const TWO_POW_32 = 4294967296;

/** Murmur3's 32-bit finalizer: spreads every input bit over the output. */
function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Folds safe integers (negative ones too) into one 32-bit seed. Order matters:
 * `hashSeed(1, 2) !== hashSeed(2, 1)`.
 */
export function hashSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    if (!Number.isSafeInteger(part)) {
      throw new RangeError(`seed parts must be safe integers, got ${String(part)}`);
    }
    const big = BigInt(part);
    const low = Number(BigInt.asUintN(32, big));
    const high = Number(BigInt.asUintN(32, big >> 32n));
    h = mix32(h ^ mix32(low));
    h = mix32(h ^ mix32(high + 0x632be5ab));
  }
  return h;
}

export function createRng(seed: number): Rng {
  let a = hashSeed(seed, 1);
  let b = hashSeed(seed, 2);
  let c = hashSeed(seed, 3);
  let d = 1;

  const nextUint32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 15; i++) nextUint32();

  const next = (): number => nextUint32() / TWO_POW_32;
  const int = (min: number, maxInclusive: number): number => {
    if (!Number.isInteger(min) || !Number.isInteger(maxInclusive) || maxInclusive < min) {
      throw new RangeError(`rng.int needs integers min <= max, got ${min}..${maxInclusive}`);
    }
    return min + Math.floor(next() * (maxInclusive - min + 1));
  };
  const pick = <T>(items: readonly T[]): T => {
    if (items.length === 0) throw new RangeError('rng.pick on an empty list');
    return items[int(0, items.length - 1)] as T;
  };
  return {
    next,
    int,
    float: (min, max) => min + next() * (max - min),
    chance: (probability) => next() < probability,
    pick,
    shuffled: <T>(items: readonly T[]): T[] => {
      const out = items.slice();
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(0, i);
        const tmp = out[i] as T;
        out[i] = out[j] as T;
        out[j] = tmp;
      }
      return out;
    },
    seed: nextUint32,
  };
}
