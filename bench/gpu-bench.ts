// Decoding speed of a random-weight model of Mini-o3-7B's shape on the best execution provider
// there is (cuda → webgpu → cpu): tokens/s, time to first token (an image and text), the share of
// the memory-bandwidth limit, and the same scaled to all 28 layers. Bundled by bench/gpu-pack.sh
// and run by bench/gpu.sh on a GPU machine without Node; runs from sources too:
//   node --import tsx bench/gpu-bench.ts --shape small --ep cpu
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { convertCheckpoint } from '../src/core/convert/convert';
import { parseExecutionProviders } from '../src/core/model/onnx/execution-providers';
import { OnnxPolicy } from '../src/core/model/onnx/onnx-policy';
import { measureModel, measureTurn, noiseImage, promptOf, round } from './onnx-measure';
import {
  MINI_O3_7B_TEXT,
  MINI_O3_7B_VISION,
  QWEN25_05B_TEXT,
  SMALL_VISION,
  writeRandomCheckpoint,
  type TextShape,
  type VisionShape,
} from './random-qwen-checkpoint';

interface Options {
  shape: '7b' | '0.5b' | 'small';
  layers: number | null;
  visionDepth: number | null;
  ep: string;
  work: string;
  contexts: number[];
  decodeTokens: number;
  dtype: 'fp16' | 'fp32';
  peakGbps: number | null;
  json: string | null;
}

const USAGE = `usage: gpu-bench [--shape 7b|0.5b|small] [--layers N] [--vision-depth N] [--ep cuda,webgpu,cpu]
  [--work DIR] [--contexts 256,1024,4096] [--decode-tokens 64] [--dtype fp16|fp32] [--peak-gbps N] [--json FILE]`;

function parseOptions(argv: string[]): Options {
  const o: Options = {
    shape: '7b', layers: null, visionDepth: null, ep: 'cuda,webgpu,cpu', work: '/tmp/mini-o3-gpu/model',
    contexts: [256, 1024, 4096], decodeTokens: 64, dtype: 'fp16', peakGbps: null, json: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return v;
    };
    const int = (): number => {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 1) throw new Error(`${arg} needs a whole number >= 1\n${USAGE}`);
      return v;
    };
    if (arg === '--shape') {
      const v = value();
      if (v !== '7b' && v !== '0.5b' && v !== 'small') throw new Error(`--shape must be 7b, 0.5b or small\n${USAGE}`);
      o.shape = v;
    } else if (arg === '--layers') o.layers = int();
    else if (arg === '--vision-depth') o.visionDepth = int();
    else if (arg === '--ep') o.ep = value();
    else if (arg === '--work') o.work = path.resolve(value());
    else if (arg === '--contexts') o.contexts = value().split(',').map(Number);
    else if (arg === '--decode-tokens') o.decodeTokens = int();
    else if (arg === '--dtype') o.dtype = value() === 'fp32' ? 'fp32' : 'fp16';
    else if (arg === '--peak-gbps') o.peakGbps = Number(value());
    else if (arg === '--json') o.json = path.resolve(value());
    else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  return o;
}

function shapes(o: Options): { text: TextShape; vision: VisionShape; fullLayers: number; fullVisionDepth: number } {
  if (o.shape === 'small') {
    const text: TextShape = { hiddenSize: 256, intermediateSize: 768, layers: 2, heads: 4, kvHeads: 2, vocabSize: 4096, tieWordEmbeddings: false };
    return { text: { ...text, layers: o.layers ?? 2 }, vision: { ...SMALL_VISION, depth: o.visionDepth ?? 2 }, fullLayers: 2, fullVisionDepth: 2 };
  }
  if (o.shape === '0.5b') {
    return { text: { ...QWEN25_05B_TEXT, layers: o.layers ?? 24 }, vision: { ...SMALL_VISION, depth: o.visionDepth ?? 2 }, fullLayers: 24, fullVisionDepth: 2 };
  }
  // 4 of 28 layers and 8 of 32 vision blocks by default: the build (random weights, conversion) stays
  // a few minutes; figures are scaled to the whole model below.
  return {
    text: { ...MINI_O3_7B_TEXT, layers: o.layers ?? 4 },
    vision: { ...MINI_O3_7B_VISION, depth: o.visionDepth ?? 8 },
    fullLayers: MINI_O3_7B_TEXT.layers,
    fullVisionDepth: MINI_O3_7B_VISION.depth,
  };
}

/** Text-model weights read per decoded token: every layer's matrices, the norms and the LM head. */
function textParameters(t: TextShape, layers: number): number {
  const h = t.hiddenSize;
  const kv = (h / t.heads) * t.kvHeads;
  const perLayer = 2 * h * h + 2 * kv * h + 3 * h * t.intermediateSize + 2 * h + h + 2 * kv;
  return layers * perLayer + t.vocabSize * h + h;
}

/** Peak memory bandwidth (GB/s) of the GPU nvidia-smi names; null when unknown. */
function gpuPeak(): { name: string; gbps: number | null } | null {
  let name: string;
  try {
    name = execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8', timeout: 10_000 }).split('\n')[0]!.trim();
  } catch {
    return null;
  }
  const table: [RegExp, number][] = [[/H200/, 4800], [/H100.*(PCIe|NVL)/i, 2000], [/H100/, 3350], [/A100.*80/, 2039], [/A100/, 1555], [/L40S/, 864], [/L4\b/, 300], [/A10G?\b/, 600], [/RTX 4090/, 1008], [/RTX 3090/, 936]];
  const hit = table.find(([re]) => re.test(name));
  return { name, gbps: hit ? hit[1] : null };
}

function filesBytes(dir: string, prefix: string): number {
  return fs.readdirSync(dir).filter((f) => f.startsWith(prefix)).reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
}

async function buildModel(o: Options, text: TextShape, vision: VisionShape): Promise<{ dir: string; buildS: number }> {
  const key = `${o.shape}-L${text.layers}-V${vision.depth}-${o.dtype}-q4-v1`;
  const root = path.join(o.work, key);
  const dir = path.join(root, 'model');
  if (fs.existsSync(path.join(root, 'complete'))) return { dir, buildS: 0 };
  fs.rmSync(root, { recursive: true, force: true });
  const started = performance.now();
  const checkpoint = path.join(root, 'checkpoint');
  const written = await writeRandomCheckpoint(checkpoint, text, vision);
  log(`wrote ${(written.parameters / 1e9).toFixed(2)} B random bf16 parameters in ${((performance.now() - started) / 1000).toFixed(0)} s; converting`);
  await convertCheckpoint(checkpoint, dir, { dtype: o.dtype, int4: true, int4AccuracyLevel: 4 });
  fs.rmSync(checkpoint, { recursive: true, force: true });
  fs.writeFileSync(path.join(root, 'complete'), '');
  return { dir, buildS: (performance.now() - started) / 1000 };
}

function log(line: string): void {
  process.stderr.write(`[gpu-bench] ${line}\n`);
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const { text, vision, fullLayers, fullVisionDepth } = shapes(o);
  const results: Record<string, number | string> = {
    shape: `${o.shape}: ${text.layers}/${fullLayers} text layers, ${vision.depth}/${fullVisionDepth} vision blocks, ${o.dtype} + int4`,
  };
  const model = await buildModel(o, text, vision);
  if (model.buildS > 0) results.build_s = round(model.buildS);
  const policy = await OnnxPolicy.load({ modelDir: model.dir, executionProviders: parseExecutionProviders(o.ep) });
  log(policy.providerMessage);
  results.ep = policy.executionProvider;
  results.provider_message = policy.providerMessage;
  try {
    Object.assign(results, await measureModel(policy, 'model', { contexts: o.contexts, decodeTokens: o.decodeTokens, image: null }));
    // Time to first token for a Mini-o3 first turn: a 1008x756 image (972 image tokens) and the question.
    const image = noiseImage(1008, 756);
    const ttft = await measureTurn(policy, promptOf(policy, 400, true), [image], 2);
    results.ttft_prompt_tokens = ttft.promptTokens;
    results.ttft_ms = round(ttft.firstTokenMs);
  } finally {
    await policy.dispose();
  }

  // Bandwidth: every decoder weight is read once per token, plus the KV cache.
  const onnxDir = path.join(model.dir, 'onnx');
  const decoderBytes = filesBytes(onnxDir, 'decoder_model_merged');
  const bytesPerParam = decoderBytes / textParameters(text, text.layers);
  const kvElement = o.dtype === 'fp16' ? 2 : 4;
  const kvBytes = (context: number, layers: number) => 2 * layers * text.kvHeads * (text.hiddenSize / text.heads) * context * kvElement;
  const context = o.contexts[0] ?? 256;
  const stepMs = Number(results[`model_decode_step_ms_ctx_${context >= 1000 ? `${Math.round(context / 1000)}k` : context}`]);
  const bytesNow = decoderBytes + kvBytes(context, text.layers);
  const bytesFull = bytesPerParam * textParameters(text, fullLayers) + kvBytes(context, fullLayers);
  results.decoder_weight_gb = round(decoderBytes / 1e9);
  results.achieved_gb_s = round(bytesNow / (stepMs / 1000) / 1e9);
  const gpu = gpuPeak();
  const peak = o.peakGbps ?? gpu?.gbps ?? null;
  if (gpu) results.gpu = gpu.name;
  if (peak !== null) {
    results.peak_gb_s = peak;
    results.bandwidth_limit_fraction = round(bytesNow / (stepMs / 1000) / 1e9 / peak);
    results.full_model_bandwidth_limit_tok_s = round((peak * 1e9) / bytesFull);
  }
  // Decoding is memory-bound: at the same achieved bandwidth the whole model takes bytesFull/bytesNow longer.
  results.full_model_decode_tok_s_scaled = round(1000 / stepMs * (bytesNow / bytesFull));
  results.full_model_ttft_ms_scaled = round(ttftScaled(Number(results.ttft_ms), text, fullLayers, vision, fullVisionDepth));

  const width = Math.max(...Object.keys(results).map((k) => k.length));
  for (const [key, value] of Object.entries(results)) console.log(`${key.padEnd(width)}  ${value}`);
  if (o.json) fs.writeFileSync(o.json, `${JSON.stringify(results, null, 2)}\n`);
}

/**
 * Prefill is compute-bound: split the measured time between the text model and the vision tower by
 * their parameters, then scale the text part by layers and the vision part by blocks (rough).
 */
function ttftScaled(ttftMs: number, text: TextShape, fullLayers: number, vision: VisionShape, fullDepth: number): number {
  const perBlock = 4 * vision.hiddenSize ** 2 + 3 * vision.hiddenSize * vision.intermediateSize;
  const textNow = textParameters(text, text.layers);
  const textShare = textNow / (textNow + vision.depth * perBlock);
  return ttftMs * (textShare * (textParameters(text, fullLayers) / textNow) + (1 - textShare) * (fullDepth / vision.depth));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
