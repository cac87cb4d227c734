/**
 * A port of Pillow's separable convolution resampler (libImaging/Resample.c, the
 * 8-bit path used by `Image.resize` for RGB with BICUBIC / LANCZOS): per-output
 * double coefficients, normalised, rounded to 22-bit fixed point, horizontal pass
 * first into an 8-bit intermediate, then the vertical pass. Reproducing the integer
 * arithmetic is what makes the result byte-identical to PIL rather than merely close.
 */

export interface ConvolutionFilter {
  support: number;
  weight: (x: number) => number;
}

const BICUBIC_A = -0.5;

export const BICUBIC_FILTER: ConvolutionFilter = {
  support: 2,
  weight(x: number): number {
    const t = Math.abs(x);
    if (t < 1) return ((BICUBIC_A + 2) * t - (BICUBIC_A + 3)) * t * t + 1;
    if (t < 2) return (((t - 5) * t + 8) * t - 4) * BICUBIC_A;
    return 0;
  },
};

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

export const LANCZOS_FILTER: ConvolutionFilter = {
  support: 3,
  weight(x: number): number {
    return x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0;
  },
};

const PRECISION_BITS = 32 - 8 - 2;
const ROUNDING_BIAS = 1 << (PRECISION_BITS - 1);
const CLIP_LIMIT = (1 << PRECISION_BITS) * 256;

interface Coefficients {
  /** Taps per output sample (some trailing ones are zero). */
  taps: number;
  /** For output i: first input index at bounds[2i], tap count at bounds[2i+1]. */
  bounds: Int32Array;
  /** Fixed-point weights, `taps` per output sample. */
  weights: Int32Array;
}

function precomputeCoefficients(inSize: number, outSize: number, filter: ConvolutionFilter): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const taps = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * taps);
  const raw = new Float64Array(taps);
  const inverseFilterScale = 1 / filterScale;
  for (let out = 0; out < outSize; out++) {
    const center = (out + 0.5) * scale;
    // C's (int) cast truncates toward zero; both bounds are clamped right after.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let sum = 0;
    for (let k = 0; k < xmax; k++) {
      const w = filter.weight((k + xmin - center + 0.5) * inverseFilterScale);
      raw[k] = w;
      sum += w;
    }
    for (let k = 0; k < taps; k++) {
      let w = k < xmax ? (raw[k] ?? 0) : 0;
      if (k < xmax && sum !== 0) w /= sum;
      const fixed = w * (1 << PRECISION_BITS);
      weights[out * taps + k] = w < 0 ? Math.trunc(-0.5 + fixed) : Math.trunc(0.5 + fixed);
    }
    bounds[out * 2] = xmin;
    bounds[out * 2 + 1] = xmax;
  }
  return { taps, bounds, weights };
}

function clip8(v: number): number {
  if (v >= CLIP_LIMIT) return 255;
  if (v <= 0) return 0;
  return v >> PRECISION_BITS;
}

function resampleHorizontal(
  src: Buffer, srcWidth: number, rowOffset: number, rows: number, outWidth: number, c: Coefficients,
): Buffer {
  const out = Buffer.alloc(outWidth * rows * 3);
  const { taps, bounds, weights } = c;
  for (let y = 0; y < rows; y++) {
    const rowStart = (y + rowOffset) * srcWidth * 3;
    let d = y * outWidth * 3;
    for (let x = 0; x < outWidth; x++) {
      const xmin = bounds[x * 2] ?? 0;
      const count = bounds[x * 2 + 1] ?? 0;
      const wBase = x * taps;
      let r = ROUNDING_BIAS;
      let g = ROUNDING_BIAS;
      let b = ROUNDING_BIAS;
      let s = rowStart + xmin * 3;
      for (let k = 0; k < count; k++, s += 3) {
        const w = weights[wBase + k]!;
        r += src[s]! * w;
        g += src[s + 1]! * w;
        b += src[s + 2]! * w;
      }
      out[d++] = clip8(r);
      out[d++] = clip8(g);
      out[d++] = clip8(b);
    }
  }
  return out;
}

function resampleVertical(src: Buffer, width: number, outHeight: number, c: Coefficients, firstRow: number): Buffer {
  const out = Buffer.alloc(width * outHeight * 3);
  const { taps, bounds, weights } = c;
  const stride = width * 3;
  for (let y = 0; y < outHeight; y++) {
    const ymin = (bounds[y * 2] ?? 0) - firstRow;
    const count = bounds[y * 2 + 1] ?? 0;
    const wBase = y * taps;
    for (let i = 0; i < stride; i++) {
      let acc = ROUNDING_BIAS;
      let s = ymin * stride + i;
      for (let k = 0; k < count; k++, s += stride) {
        acc += src[s]! * weights[wBase + k]!;
      }
      out[y * stride + i] = clip8(acc);
    }
  }
  return out;
}

/** PIL `Image.resize((outWidth, outHeight), filter)` on packed RGB (whole-image box). */
export function convolutionResize(
  src: Buffer, width: number, height: number, outWidth: number, outHeight: number, filter: ConvolutionFilter,
): Buffer {
  const needHorizontal = outWidth !== width;
  const needVertical = outHeight !== height;
  const horizontal = precomputeCoefficients(width, outWidth, filter);
  const vertical = precomputeCoefficients(height, outHeight, filter);
  // Like PIL, the horizontal pass only produces the rows the vertical pass will read.
  const firstRow = needHorizontal ? (vertical.bounds[0] ?? 0) : 0;
  const lastRow = needHorizontal
    ? (vertical.bounds[outHeight * 2 - 2] ?? 0) + (vertical.bounds[outHeight * 2 - 1] ?? 0)
    : height;
  let pixels = src;
  let currentWidth = width;
  if (needHorizontal) {
    pixels = resampleHorizontal(src, width, firstRow, lastRow - firstRow, outWidth, horizontal);
    currentWidth = outWidth;
  }
  if (needVertical) {
    pixels = resampleVertical(pixels, currentWidth, outHeight, vertical, firstRow);
  }
  return pixels === src ? Buffer.from(src) : pixels;
}
