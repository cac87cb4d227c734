import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { toolVersion } from '../version';
import { checkCheckpointTensors } from './checkpoint-check';
import { CheckpointReader } from './checkpoint-reader';
import { ConvertError } from './convert-error';
import { emitDecoder } from './decoder-graph';
import { emitEmbedTokens } from './embed-graph';
import { ExternalDataWriter } from './external-data';
import { GraphBuilder, MS_DOMAIN } from './graph-builder';
import { LayerEmitter, ModelPrecision } from './layers';
import { MODEL_NAMES, ModelName, modelFileName, outputConfig, REQUIRED_SIDE_FILES, SIDE_FILES, variantSuffix, VariantRecord } from './model-layout';
import { encodeModel } from './onnx-proto';
import { parseQwenVlConfig, QwenVlConfig } from './qwen-config';
import { emitVisionEncoder } from './vision-graph';
import { WeightWriter } from './weight-writer';

export interface ConvertOptions {
  dtype?: 'fp32' | 'fp16';
  int4?: boolean;
  /** MatMulNBits accuracy_level; default 4 (int8 activations on CPU, ignored on GPU). */
  int4AccuracyLevel?: number;
  /** Largest external data file before a new `_data_N` file starts; default just under 2 GiB. */
  maxExternalDataFileBytes?: number;
  onProgress?: (progress: ConvertProgress) => void;
  signal?: AbortSignal;
}

export interface ConvertProgress {
  /** The model being written, or null while checking and copying. */
  model: ModelName | null;
  message: string;
  sourceBytesDone: number;
  sourceBytesTotal: number;
}

export interface ConvertedModel {
  name: ModelName;
  /** Path relative to the output folder, e.g. onnx/decoder_model_merged_q4.onnx. */
  file: string;
  dataFiles: string[];
  dataBytes: number;
  nodeCount: number;
}

export interface ConvertResult {
  outDir: string;
  suffix: string;
  config: QwenVlConfig;
  models: ConvertedModel[];
  copiedFiles: string[];
  warnings: string[];
}

async function readConfig(hfDir: string): Promise<QwenVlConfig> {
  const path = join(hfDir, 'config.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    // A folder without config.json: say what it is when we can (already ONNX, nothing at all).
    await CheckpointReader.open(hfDir);
    throw new ConvertError(path, 'does not exist; a Hugging Face checkpoint folder has config.json next to its weights');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConvertError(path, `is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  return parseQwenVlConfig(json, path);
}

/**
 * Converts a Hugging Face Qwen2.5-VL checkpoint folder to ONNX in the transformers.js layout:
 * onnx/{embed_tokens,vision_encoder,decoder_model_merged}{suffix}.onnx + `.onnx_data` external data, tokenizer
 * and processor files, and a config.json with text_config and "transformers.js_config". Tensors stream from the
 * shards one at a time (only a non-quantized Linear weight is held whole, to transpose it).
 */
export async function convertCheckpoint(hfDir: string, outDir: string, options: ConvertOptions = {}): Promise<ConvertResult> {
  const precision = options.dtype ?? 'fp32';
  const modelPrecision: ModelPrecision = { precision, int4: options.int4 ?? false, int4AccuracyLevel: options.int4AccuracyLevel ?? 4 };
  const suffix = variantSuffix(precision, modelPrecision.int4);
  if (resolve(hfDir) === resolve(outDir)) throw new ConvertError(outDir, 'is the checkpoint folder itself; choose a separate output folder so nothing there is overwritten');

  const report = (model: ModelName | null, message: string, done: number, total: number) =>
    options.onProgress?.({ model, message, sourceBytesDone: done, sourceBytesTotal: total });

  const config = await readConfig(hfDir);
  const reader = await CheckpointReader.open(hfDir);
  const total = checkCheckpointTensors(reader, config);
  report(null, `checked ${reader.shardFiles.length} shard(s)`, 0, total);

  const onnxDir = join(outDir, 'onnx');
  await mkdir(onnxDir, { recursive: true });
  const written: string[] = [];
  const models: ConvertedModel[] = [];
  const warnings: string[] = [];
  let done = 0;
  try {
    for (const name of MODEL_NAMES) {
      options.signal?.throwIfAborted();
      const file = modelFileName(name, suffix);
      const data = new ExternalDataWriter(onnxDir, file, options.maxExternalDataFileBytes);
      const graph = new GraphBuilder(name);
      const weights = new WeightWriter(reader, data, graph, {
        signal: options.signal,
        onSourceBytes: (bytes) => {
          done += bytes;
          report(name, `writing ${file}`, done, total);
        },
      });
      const emitter = new LayerEmitter(graph, weights, modelPrecision);
      try {
        if (name === 'embed_tokens') await emitEmbedTokens(emitter, config.text);
        else if (name === 'vision_encoder') await emitVisionEncoder(emitter, config.vision);
        else await emitDecoder(emitter, config.text);
      } finally {
        await data.close();
        written.push(...data.files.map((f) => join(onnxDir, f)));
      }
      for (const [tensor, count] of weights.fp16Overflow) warnings.push(`${tensor}: ${count} weight(s) exceed the fp16 range and became ±Infinity`);
      const model = graph.toModel(toolVersion(), { '': 21, [MS_DOMAIN]: 1 }, { source_model: 'qwen2_5_vl', variant: suffix || 'fp32' });
      await writeFile(join(onnxDir, file), encodeModel(model));
      written.push(join(onnxDir, file));
      models.push({ name, file: `onnx/${file}`, dataFiles: data.files.map((f) => `onnx/${f}`), dataBytes: data.bytesWritten, nodeCount: graph.nodeCount });
    }
  } catch (e) {
    // Leave no half-written model behind; files from earlier conversions are untouched.
    await Promise.all(written.map((f) => rm(f, { force: true })));
    throw e;
  }

  report(null, 'copying tokenizer and processor files', done, total);
  const present = new Set(await readdir(hfDir));
  const copiedFiles: string[] = [];
  for (const side of SIDE_FILES) {
    if (!present.has(side)) continue;
    await copyFile(join(hfDir, side), join(outDir, side));
    copiedFiles.push(side);
  }
  for (const required of REQUIRED_SIDE_FILES) {
    if (!present.has(required)) warnings.push(`${join(hfDir, required)} does not exist; the output cannot be run without it`);
  }
  if (!present.has('chat_template.json') && !present.has('chat_template.jinja')) {
    const tokenizerConfig = present.has('tokenizer_config.json') ? await readFile(join(hfDir, 'tokenizer_config.json'), 'utf8').catch(() => '') : '';
    if (!tokenizerConfig.includes('"chat_template"')) warnings.push(`${hfDir} has no chat template (chat_template.json/.jinja or tokenizer_config.json "chat_template")`);
  }

  const variant: VariantRecord = {
    suffix,
    precision,
    int4: modelPrecision.int4 ? { blockSize: 32, zeroPoints: 'asymmetric', accuracyLevel: modelPrecision.int4AccuracyLevel } : null,
    files: Object.fromEntries(models.map((m) => [m.file.slice('onnx/'.length), m.dataFiles.map((f) => f.slice('onnx/'.length))])),
  };
  const configOut = await outputConfig(config, join(outDir, 'config.json'), variant);
  await writeFile(join(outDir, 'config.json'), `${JSON.stringify(configOut, null, 2)}\n`);
  copiedFiles.push('config.json');
  report(null, 'done', total, total);
  return { outDir, suffix, config, models, copiedFiles, warnings };
}
