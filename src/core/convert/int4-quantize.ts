/**
 * Asymmetric 4-bit block quantization in the MatMulNBits layout (com.microsoft, bits 4).
 *
 * Rows are output features n of a PyTorch Linear weight [N, K] (no transpose). Each row is cut into
 * nb = ceil(K / blockSize) blocks along K; the last block is zero-padded. Per block:
 *   lo = min(0, min v), hi = max(0, max v), scale = (hi − lo) / 15, zp = clamp(round(−lo / scale), 0, 15),
 *   q = clamp(round(v / scale) + zp, 0, 15), and the kernel computes (q − zp) · scale.
 * Including 0 in the range keeps zp exact and the error within scale / 2 per weight.
 * Layout: B uint8 [N, nb, blockSize/2], weight k of row n at byte (n·nb + k/bs)·bs/2 + (k%bs)/2, low nibble first;
 * scales [N·nb]; zero_points uint8 [N·ceil(nb/2)], block b of row n at byte n·ceil(nb/2) + b/2, low nibble first.
 */
export const INT4_BLOCK_SIZE = 32;

export interface Int4Rows {
  /** [rows, nb, blockSize/2] packed nibbles. */
  packed: Uint8Array;
  /** [rows · nb]. */
  scales: Float32Array;
  /** [rows · ceil(nb/2)] packed nibbles. */
  zeroPoints: Uint8Array;
}

export function int4BlockCount(k: number, blockSize = INT4_BLOCK_SIZE): number {
  return Math.ceil(k / blockSize);
}

/**
 * Quantizes `rows` rows of length `k`. `roundScale` maps a scale to the value the model will store
 * (e.g. through fp16) so quantization uses exactly the stored scale.
 */
export function quantizeInt4Rows(values: Float32Array, rows: number, k: number, roundScale: (s: number) => number = (s) => Math.fround(s), blockSize = INT4_BLOCK_SIZE): Int4Rows {
  if (blockSize % 2 !== 0) throw new Error('block size must be even');
  if (values.length !== rows * k) throw new Error(`expected ${rows}×${k} values, got ${values.length}`);
  const nb = int4BlockCount(k, blockSize);
  const halfBlock = blockSize / 2;
  const zpBytes = Math.ceil(nb / 2);
  const packed = new Uint8Array(rows * nb * halfBlock);
  const scales = new Float32Array(rows * nb);
  const zeroPoints = new Uint8Array(rows * zpBytes);
  for (let n = 0; n < rows; n++) {
    const rowBase = n * k;
    for (let b = 0; b < nb; b++) {
      const k0 = b * blockSize;
      const k1 = Math.min(k, k0 + blockSize);
      let lo = 0;
      let hi = 0;
      for (let j = k0; j < k1; j++) {
        const v = values[rowBase + j] as number;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      const scale = roundScale((hi - lo) / 15);
      const zp = scale > 0 ? Math.min(15, Math.max(0, Math.round(-lo / scale))) : 8;
      scales[n * nb + b] = scale;
      const zpAt = n * zpBytes + (b >> 1);
      zeroPoints[zpAt] = (zeroPoints[zpAt] as number) | (zp << ((b & 1) * 4));
      const blockAt = (n * nb + b) * halfBlock;
      for (let j = 0; j < blockSize; j++) {
        const kk = k0 + j;
        const v = kk < k1 ? (values[rowBase + kk] as number) : 0;
        const q = scale > 0 ? Math.min(15, Math.max(0, Math.round(v / scale) + zp)) : zp;
        const at = blockAt + (j >> 1);
        packed[at] = (packed[at] as number) | (q << ((j & 1) * 4));
      }
    }
  }
  return { packed, scales, zeroPoints };
}

/** The float32 weights a MatMulNBits kernel sees for these quantized rows. */
export function dequantizeInt4Rows(q: Int4Rows, rows: number, k: number, blockSize = INT4_BLOCK_SIZE): Float32Array {
  const nb = int4BlockCount(k, blockSize);
  const zpBytes = Math.ceil(nb / 2);
  const out = new Float32Array(rows * k);
  for (let n = 0; n < rows; n++) {
    for (let kk = 0; kk < k; kk++) {
      const b = Math.floor(kk / blockSize);
      const j = kk % blockSize;
      const byte = q.packed[(n * nb + b) * (blockSize / 2) + (j >> 1)] as number;
      const nibble = (byte >> ((j & 1) * 4)) & 0xf;
      const zp = ((q.zeroPoints[n * zpBytes + (b >> 1)] as number) >> ((b & 1) * 4)) & 0xf;
      out[n * k + kk] = (nibble - zp) * (q.scales[n * nb + b] as number);
    }
  }
  return out;
}
