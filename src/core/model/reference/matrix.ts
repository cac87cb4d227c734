/**
 * Plain row-major float32 matrices and the few dense operations the reference forward pass needs.
 * Sums accumulate in float64 (JS numbers), so the reference is at least as precise as the graphs
 * it is compared with.
 */

export interface Matrix {
  rows: number;
  cols: number;
  /** Row-major, `rows * cols` values. */
  data: Float32Array;
}

export function matrix(rows: number, cols: number, data?: Float32Array): Matrix {
  if (data && data.length !== rows * cols) {
    throw new Error(`matrix: expected ${rows}x${cols}=${rows * cols} values, got ${data.length}`);
  }
  return { rows, cols, data: data ?? new Float32Array(rows * cols) };
}

export function rowOf(m: Matrix, row: number): Float32Array {
  return m.data.subarray(row * m.cols, (row + 1) * m.cols);
}

/**
 * `x · Wᵀ + b`, the PyTorch `nn.Linear` convention: `weight` is `[outFeatures, inFeatures]`
 * row-major, `bias` (optional) is `[outFeatures]`.
 */
export function linear(x: Matrix, weight: Float32Array, outFeatures: number, bias?: Float32Array): Matrix {
  const k = x.cols;
  if (weight.length !== outFeatures * k) {
    throw new Error(`linear: weight has ${weight.length} values, expected ${outFeatures}x${k}`);
  }
  if (bias && bias.length !== outFeatures) {
    throw new Error(`linear: bias has ${bias.length} values, expected ${outFeatures}`);
  }
  const out = matrix(x.rows, outFeatures);
  const xd = x.data;
  for (let r = 0; r < x.rows; r++) {
    const xOff = r * k;
    const outOff = r * outFeatures;
    for (let o = 0; o < outFeatures; o++) {
      const wOff = o * k;
      let sum = bias ? (bias[o] as number) : 0;
      for (let i = 0; i < k; i++) sum += (xd[xOff + i] as number) * (weight[wOff + i] as number);
      out.data[outOff + o] = sum;
    }
  }
  return out;
}

/** Qwen2RMSNorm: `weight * x / sqrt(mean(x²) + eps)` per row. */
export function rmsNorm(x: Matrix, weight: Float32Array, eps: number): Matrix {
  if (weight.length !== x.cols) throw new Error(`rmsNorm: weight has ${weight.length} values, rows have ${x.cols}`);
  const out = matrix(x.rows, x.cols);
  for (let r = 0; r < x.rows; r++) {
    const off = r * x.cols;
    let sumSquares = 0;
    for (let i = 0; i < x.cols; i++) {
      const v = x.data[off + i] as number;
      sumSquares += v * v;
    }
    const scale = 1 / Math.sqrt(sumSquares / x.cols + eps);
    for (let i = 0; i < x.cols; i++) out.data[off + i] = (weight[i] as number) * (x.data[off + i] as number) * scale;
  }
  return out;
}

export function addInPlace(target: Matrix, addend: Matrix): Matrix {
  if (target.rows !== addend.rows || target.cols !== addend.cols) {
    throw new Error(`add: ${target.rows}x${target.cols} vs ${addend.rows}x${addend.cols}`);
  }
  for (let i = 0; i < target.data.length; i++) target.data[i] = (target.data[i] as number) + (addend.data[i] as number);
  return target;
}

export function silu(x: number): number {
  return x / (1 + Math.exp(-x));
}

/** Exact GELU (PyTorch `nn.GELU()` default, approximate='none'). */
export function geluErf(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** Error function to about 1e-15: Maclaurin series near 0, continued fraction for erfc in the tails. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a < 2.5) {
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const contribution = term / (2 * n + 1);
      sum += contribution;
      if (Math.abs(contribution) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * sum;
  }
  const tail = erfcContinuedFraction(a);
  return x > 0 ? 1 - tail : tail - 1;
}

/** erfc(x) for x ≥ 2.5 by Lentz's method on erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))). */
function erfcContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const an = n / 2;
    d = x + an * d;
    d = Math.abs(d) < tiny ? 1 / tiny : 1 / d;
    c = x + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

/** Softmax over `values[0..length)` in place, in float64. */
export function softmaxInPlace(values: Float64Array, length: number): void {
  let max = -Infinity;
  for (let i = 0; i < length; i++) max = Math.max(max, values[i] as number);
  let sum = 0;
  for (let i = 0; i < length; i++) {
    const e = Math.exp((values[i] as number) - max);
    values[i] = e;
    sum += e;
  }
  for (let i = 0; i < length; i++) values[i] = (values[i] as number) / sum;
}

/** Rows of `source` picked by `rowIndices`, in that order. */
export function gatherRows(source: Matrix, rowIndices: ArrayLike<number>): Matrix {
  const out = matrix(rowIndices.length, source.cols);
  for (let i = 0; i < rowIndices.length; i++) {
    const r = rowIndices[i] as number;
    if (r < 0 || r >= source.rows) throw new Error(`gatherRows: row ${r} out of 0..${source.rows - 1}`);
    out.data.set(source.data.subarray(r * source.cols, (r + 1) * source.cols), i * source.cols);
  }
  return out;
}

/** Stacks matrices with equal column counts vertically. */
export function concatRows(parts: readonly Matrix[]): Matrix {
  const first = parts[0];
  if (!first) throw new Error('concatRows: nothing to concatenate');
  let rows = 0;
  for (const p of parts) {
    if (p.cols !== first.cols) throw new Error(`concatRows: ${p.cols} columns vs ${first.cols}`);
    rows += p.rows;
  }
  const out = matrix(rows, first.cols);
  let offset = 0;
  for (const p of parts) {
    out.data.set(p.data, offset);
    offset += p.data.length;
  }
  return out;
}
