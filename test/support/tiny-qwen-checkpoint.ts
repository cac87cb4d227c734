/**
 * Writes a tiny RANDOM Qwen2.5-VL checkpoint shaped like the published one: sharded safetensors with
 * the published weight names (or the newer `model.language_model.*` spelling), model.safetensors.index.json,
 * a real-keys config.json, preprocessor_config.json and generation_config.json. No tokenizer files.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bf16ToF32, f16ToF32, f32ToBf16Bits, f32ToF16Bits } from '../../src/core/convert/float-convert';
import { parseQwenVlConfig, QwenVlConfig } from '../../src/core/convert/qwen-config';
import { expectedTensors, modernWeightName } from '../../src/core/convert/qwen-weights';

export type TinyWeightDtype = 'BF16' | 'F16' | 'F32';

export interface TinyCheckpointOptions {
  /** Text vocabulary (embed_tokens / lm_head rows); default 1024. */
  vocabSize?: number;
  /** Id of `<|endoftext|>`; the other Qwen special tokens follow in Qwen's order (im_start +1, im_end +2, vision_start +9, vision_end +10, vision_pad +11, image_pad +12, video_pad +13). Default vocabSize − 24. */
  specialTokenBase?: number;
  seed?: number;
  dtype?: TinyWeightDtype;
  /** 'published': model.layers.* / visual.*; 'modern': model.language_model.* / model.visual.*. */
  keyStyle?: 'published' | 'modern';
  /** 'flat': original config.json; 'nested': language-model fields under text_config. */
  configStyle?: 'flat' | 'nested';
  shards?: number;
  tieWordEmbeddings?: boolean;
  textLayers?: number;
  visionDepth?: number;
  fullattBlockIndexes?: number[];
}

export interface TinyCheckpoint {
  dir: string;
  /** config.json exactly as written. */
  config: Record<string, unknown>;
  modelConfig: QwenVlConfig;
  /** Every weight by its published name, as float32 holding exactly the stored (rounded) values. */
  weights: Map<string, { shape: number[]; data: Float32Array }>;
  /** Shard file names, in order. */
  shardFiles: string[];
  specialTokens: Record<'endoftext' | 'imStart' | 'imEnd' | 'visionStart' | 'visionEnd' | 'visionPad' | 'imagePad' | 'videoPad', number>;
}

/** mulberry32 + Box–Muller: reproducible normal samples. */
function normalSource(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Magnitudes that keep activations O(1) so parity tests see real differences. */
function initValue(name: string, shape: number[], normal: () => number): number {
  if (name.endsWith('norm.weight') || name.includes('norm1') || name.includes('norm2') || name.includes('layernorm') || name.endsWith('ln_q.weight')) {
    return 1 + 0.1 * normal();
  }
  if (name.endsWith('.bias')) return 0.2 * normal();
  if (name === 'model.embed_tokens.weight') return 0.5 * normal();
  const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
  return normal() / Math.sqrt(fanIn);
}

function encode(values: Float32Array, dtype: TinyWeightDtype): { bytes: Uint8Array; stored: Float32Array } {
  if (dtype === 'F32') return { bytes: new Uint8Array(values.buffer.slice(0)), stored: values };
  const bits = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) bits[i] = dtype === 'BF16' ? f32ToBf16Bits(values[i] as number) : f32ToF16Bits(values[i] as number);
  return { bytes: new Uint8Array(bits.buffer), stored: dtype === 'BF16' ? bf16ToF32(bits) : f16ToF32(bits) };
}

interface SafetensorsEntry {
  name: string;
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

/** The safetensors format: u64 LE header length, JSON header (space-padded to 8 bytes), then the data. */
export async function writeSafetensors(path: string, entries: SafetensorsEntry[], metadata: Record<string, string> = { format: 'pt' }): Promise<void> {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const e of entries) {
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.bytes.length] };
    offset += e.bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(headerBytes.length));
  await writeFile(path, Buffer.concat([length, headerBytes, ...entries.map((e) => Buffer.from(e.bytes.buffer, e.bytes.byteOffset, e.bytes.length))]));
}

function buildConfig(o: Required<Omit<TinyCheckpointOptions, 'specialTokenBase' | 'fullattBlockIndexes'>>, fullatt: number[], base: number): Record<string, unknown> {
  const text = {
    hidden_act: 'silu',
    hidden_size: 64,
    intermediate_size: 96,
    num_hidden_layers: o.textLayers,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    max_position_embeddings: 4096,
    max_window_layers: o.textLayers,
    rms_norm_eps: 1e-6,
    rope_theta: 1000000.0,
    sliding_window: 4096,
    use_sliding_window: false,
    attention_dropout: 0.0,
    initializer_range: 0.02,
    vocab_size: o.vocabSize,
    rope_scaling: { type: 'mrope', mrope_section: [2, 3, 3] },
  };
  const ids = {
    bos_token_id: base,
    eos_token_id: base + 2,
    vision_start_token_id: base + 9,
    vision_end_token_id: base + 10,
    vision_token_id: base + 11,
    image_token_id: base + 12,
    video_token_id: base + 13,
  };
  const vision_config = {
    depth: o.visionDepth,
    hidden_act: 'silu',
    hidden_size: 32,
    intermediate_size: 56,
    num_heads: 2,
    in_chans: 3,
    out_hidden_size: 64,
    patch_size: 14,
    spatial_merge_size: 2,
    spatial_patch_size: 14,
    window_size: 112,
    fullatt_block_indexes: fullatt,
    tokens_per_second: 2,
    temporal_patch_size: 2,
  };
  const common = {
    architectures: ['Qwen2_5_VLForConditionalGeneration'],
    model_type: 'qwen2_5_vl',
    tie_word_embeddings: o.tieWordEmbeddings,
    torch_dtype: { BF16: 'bfloat16', F16: 'float16', F32: 'float32' }[o.dtype],
    transformers_version: '4.49.0',
    use_cache: true,
  };
  if (o.configStyle === 'nested') {
    return { ...common, ...ids, text_config: { ...text, ...ids, model_type: 'qwen2_5_vl_text' }, vision_config };
  }
  return { ...common, ...ids, ...text, vision_config };
}

export async function writeTinyCheckpoint(dir: string, options: TinyCheckpointOptions = {}): Promise<TinyCheckpoint> {
  const o = {
    vocabSize: options.vocabSize ?? 1024,
    seed: options.seed ?? 1,
    dtype: options.dtype ?? 'BF16',
    keyStyle: options.keyStyle ?? 'published',
    configStyle: options.configStyle ?? 'flat',
    shards: Math.max(1, options.shards ?? 2),
    tieWordEmbeddings: options.tieWordEmbeddings ?? false,
    textLayers: options.textLayers ?? 2,
    visionDepth: options.visionDepth ?? 4,
  };
  const base = options.specialTokenBase ?? o.vocabSize - 24;
  if (base < 0 || base + 13 >= o.vocabSize) throw new Error(`special token ids ${base}..${base + 13} do not fit a vocabulary of ${o.vocabSize}`);
  const fullatt = options.fullattBlockIndexes ?? [1, 3].filter((i) => i < o.visionDepth);
  const config = buildConfig(o, fullatt, base);
  const modelConfig = parseQwenVlConfig(config, join(dir, 'config.json'));

  await mkdir(dir, { recursive: true });
  const normal = normalSource(o.seed);
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  const entries: SafetensorsEntry[] = [];
  for (const t of expectedTensors(modelConfig)) {
    const values = new Float32Array(t.shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < values.length; i++) values[i] = initValue(t.name, t.shape, normal);
    const { bytes, stored } = encode(values, o.dtype);
    weights.set(t.name, { shape: t.shape, data: stored });
    entries.push({ name: o.keyStyle === 'modern' ? modernWeightName(t.name) : t.name, dtype: o.dtype, shape: t.shape, bytes });
  }

  const totalBytes = entries.reduce((a, e) => a + e.bytes.length, 0);
  const perShard = Math.ceil(totalBytes / o.shards);
  const shardFiles = Array.from({ length: o.shards }, (_, i) => `model-${String(i + 1).padStart(5, '0')}-of-${String(o.shards).padStart(5, '0')}.safetensors`);
  const groups: SafetensorsEntry[][] = shardFiles.map(() => []);
  let filled = 0;
  for (const e of entries) {
    const shard = Math.min(o.shards - 1, Math.floor(filled / perShard));
    groups[shard]?.push(e);
    filled += e.bytes.length;
  }
  const weightMap: Record<string, string> = {};
  for (let i = 0; i < o.shards; i++) {
    const file = shardFiles[i] as string;
    const group = (groups[i] ?? []).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of group) weightMap[e.name] = file;
    await writeSafetensors(join(dir, file), group);
  }
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  await writeFile(join(dir, 'model.safetensors.index.json'), json({ metadata: { total_size: totalBytes }, weight_map: weightMap }));
  await writeFile(join(dir, 'config.json'), json(config));
  await writeFile(
    join(dir, 'preprocessor_config.json'),
    json({
      min_pixels: 3136,
      max_pixels: 12845056,
      patch_size: 14,
      temporal_patch_size: 2,
      merge_size: 2,
      image_mean: [0.48145466, 0.4578275, 0.40821073],
      image_std: [0.26862954, 0.26130258, 0.27577711],
      image_processor_type: 'Qwen2VLImageProcessor',
      processor_class: 'Qwen2_5_VLProcessor',
    }),
  );
  await writeFile(
    join(dir, 'generation_config.json'),
    json({ bos_token_id: base, pad_token_id: base, do_sample: false, eos_token_id: [base + 2, base], transformers_version: '4.49.0' }),
  );
  return {
    dir,
    config,
    modelConfig,
    weights,
    shardFiles,
    specialTokens: {
      endoftext: base,
      imStart: base + 1,
      imEnd: base + 2,
      visionStart: base + 9,
      visionEnd: base + 10,
      visionPad: base + 11,
      imagePad: base + 12,
      videoPad: base + 13,
    },
  };
}
