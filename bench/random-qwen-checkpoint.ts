import fs from 'node:fs';
import path from 'node:path';
import { parseQwenVlConfig } from '../src/core/convert/qwen-config';
import { expectedTensors } from '../src/core/convert/qwen-weights';
import { writeTinyTokenizer } from '../test/support/tiny-tokenizer';

/**
 * Random-weight Qwen2.5-VL checkpoints of real shapes for the speed benches (Qwen2.5-0.5B's text
 * shape, Mini-o3-7B's), streamed to disk tensor by tensor in bf16 so a multi-gigabyte checkpoint
 * never sits in memory. Values are uniform with the standard deviation of a unit-variance init
 * (1/√fan_in), norms near 1, so activations stay finite in fp16. Speed does not depend on the
 * values; only on the shapes, which are those of the named model.
 */

export interface TextShape {
  hiddenSize: number;
  intermediateSize: number;
  layers: number;
  heads: number;
  kvHeads: number;
  vocabSize: number;
  tieWordEmbeddings: boolean;
}

export interface VisionShape {
  depth: number;
  hiddenSize: number;
  heads: number;
  intermediateSize: number;
  fullattBlockIndexes: number[];
}

/** Qwen2.5-VL-7B-Instruct / Mini-o3-7B-v1. */
export const MINI_O3_7B_TEXT: TextShape = { hiddenSize: 3584, intermediateSize: 18944, layers: 28, heads: 28, kvHeads: 4, vocabSize: 152064, tieWordEmbeddings: false };
export const MINI_O3_7B_VISION: VisionShape = { depth: 32, hiddenSize: 1280, heads: 16, intermediateSize: 3420, fullattBlockIndexes: [7, 15, 23, 31] };
/** Qwen2.5-0.5B's language model. */
export const QWEN25_05B_TEXT: TextShape = { hiddenSize: 896, intermediateSize: 4864, layers: 24, heads: 14, kvHeads: 2, vocabSize: 151936, tieWordEmbeddings: true };
/** A small vision tower for text-speed benches (the converter needs one). */
export const SMALL_VISION: VisionShape = { depth: 2, hiddenSize: 64, heads: 2, intermediateSize: 128, fullattBlockIndexes: [1] };

/** Specials sit where the tiny tokenizer puts them: from vocab − 24 (the real model's padding ids lie above). */
export function specialBase(vocabSize: number): number {
  return vocabSize - 24;
}

export function checkpointConfig(text: TextShape, vision: VisionShape): Record<string, unknown> {
  const base = specialBase(text.vocabSize);
  const headDim = text.hiddenSize / text.heads;
  // mrope_section [16, 24, 24] for head_dim 128; the same proportions otherwise.
  const t = Math.round((headDim / 2) * 0.25);
  const h = Math.floor((headDim / 2 - t) / 2);
  return {
    architectures: ['Qwen2_5_VLForConditionalGeneration'],
    model_type: 'qwen2_5_vl',
    hidden_act: 'silu',
    hidden_size: text.hiddenSize,
    intermediate_size: text.intermediateSize,
    num_hidden_layers: text.layers,
    num_attention_heads: text.heads,
    num_key_value_heads: text.kvHeads,
    max_position_embeddings: 128000,
    rms_norm_eps: 1e-6,
    rope_theta: 1000000.0,
    use_sliding_window: false,
    vocab_size: text.vocabSize,
    tie_word_embeddings: text.tieWordEmbeddings,
    rope_scaling: { type: 'mrope', mrope_section: [t, h, headDim / 2 - t - h] },
    bos_token_id: base,
    eos_token_id: base + 2,
    vision_start_token_id: base + 9,
    vision_end_token_id: base + 10,
    vision_token_id: base + 11,
    image_token_id: base + 12,
    video_token_id: base + 13,
    torch_dtype: 'bfloat16',
    vision_config: {
      depth: vision.depth,
      hidden_act: 'silu',
      hidden_size: vision.hiddenSize,
      intermediate_size: vision.intermediateSize,
      num_heads: vision.heads,
      in_chans: 3,
      out_hidden_size: text.hiddenSize,
      patch_size: 14,
      spatial_merge_size: 2,
      spatial_patch_size: 14,
      window_size: 112,
      fullatt_block_indexes: vision.fullattBlockIndexes.filter((i) => i < vision.depth),
      tokens_per_second: 2,
      temporal_patch_size: 2,
    },
  };
}

/** xorshift32 filling bf16 bits of uniform values in [-scale, scale] (+ offset). */
function fillBf16(out: Uint16Array, scale: number, offset: number, state: { s: number }): void {
  const f = new Float32Array(1);
  const bits = new Uint32Array(f.buffer);
  let s = state.s;
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    f[0] = offset + scale * ((s >>> 0) / 2147483648 - 1);
    out[i] = bits[0]! >>> 16;
  }
  state.s = s;
}

function valueScale(name: string, shape: number[]): { scale: number; offset: number } {
  if (/norm|ln_q/.test(name)) return { scale: 0.1, offset: 1 };
  if (name.endsWith('.bias')) return { scale: 0.1, offset: 0 };
  if (name === 'model.embed_tokens.weight') return { scale: 0.5, offset: 0 };
  const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
  return { scale: Math.sqrt(3 / fanIn), offset: 0 };
}

export interface RandomCheckpoint {
  dir: string;
  bytes: number;
  parameters: number;
}

/** Writes config, preprocessor/generation configs, the tiny tokenizer and one bf16 safetensors shard. */
export async function writeRandomCheckpoint(dir: string, text: TextShape, vision: VisionShape, seed = 1): Promise<RandomCheckpoint> {
  fs.mkdirSync(dir, { recursive: true });
  const config = checkpointConfig(text, vision);
  const tensors = expectedTensors(parseQwenVlConfig(config, path.join(dir, 'config.json')));
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const t of tensors) {
    const bytes = t.shape.reduce((a, b) => a * b, 1) * 2;
    header[t.name] = { dtype: 'BF16', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  const file = path.join(dir, 'model.safetensors');
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, length);
    fs.writeSync(fd, json);
    const state = { s: (seed * 2654435761) >>> 0 || 1 };
    const chunk = new Uint16Array(1 << 22);
    for (const t of tensors) {
      const { scale, offset: shift } = valueScale(t.name, t.shape);
      let left = t.shape.reduce((a, b) => a * b, 1);
      while (left > 0) {
        const n = Math.min(left, chunk.length);
        const view = chunk.subarray(0, n);
        fillBf16(view, scale, shift, state);
        fs.writeSync(fd, view);
        left -= n;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  const base = specialBase(text.vocabSize);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  fs.writeFileSync(path.join(dir, 'generation_config.json'), JSON.stringify({ bos_token_id: base, eos_token_id: [base + 2, base], do_sample: false }));
  fs.writeFileSync(path.join(dir, 'preprocessor_config.json'), JSON.stringify({
    min_pixels: 3136, max_pixels: 12845056, patch_size: 14, temporal_patch_size: 2, merge_size: 2,
    image_mean: [0.48145466, 0.4578275, 0.40821073], image_std: [0.26862954, 0.26130258, 0.27577711],
    image_processor_type: 'Qwen2VLImageProcessor',
  }));
  writeTinyTokenizer(dir, { vocabSize: text.vocabSize, specialTokenBase: base });
  return { dir, bytes: offset, parameters: offset / 2 };
}
