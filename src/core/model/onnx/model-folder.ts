import fs from 'node:fs';
import path from 'node:path';
import { ConvertError } from '../../convert/convert-error';
import { parseQwenVlConfig, type QwenVlConfig } from '../../convert/qwen-config';
import type { ChatTokenizerSource } from './chat-tokenizer';

/**
 * A converted model folder in the transformers.js layout:
 *   config.json, preprocessor_config.json, [generation_config.json],
 *   tokenizer.json, tokenizer_config.json, [chat_template.json],
 *   onnx/vision_encoder{sfx}.onnx, onnx/embed_tokens{sfx}.onnx, onnx/decoder_model_merged{sfx}.onnx
 * (each with its external data files). Everything is checked before a session is created, and
 * folders from elsewhere (an unconverted checkpoint, an onnxruntime-genai export) get a message
 * saying what they are and what to do.
 */

export class ModelFolderError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'ModelFolderError';
  }
}

export interface PreprocessorSettings {
  minPixels: number;
  maxPixels: number;
  patchSize: number;
  mergeSize: number;
  temporalPatchSize: number;
}

export interface GenerationDefaults {
  /** Token ids that end a turn without being part of its text. */
  eosIds: number[];
  /** From generation_config.json, used when a request leaves them out. */
  doSample?: boolean;
  temperature?: number;
  topP?: number;
  topK?: number;
}

export interface ModelFiles {
  vision: string;
  embed: string;
  decoder: string;
}

export interface ModelFolder {
  dir: string;
  /** A display name: the checkpoint's `_name_or_path` or the folder's name. */
  name: string;
  config: QwenVlConfig;
  preprocessor: PreprocessorSettings;
  generation: GenerationDefaults;
  tokenizer: ChatTokenizerSource;
  /** Suffixes of the complete variants present (all three files), in ONNX_VARIANT_SUFFIXES order. */
  variants: string[];
}

/** transformers.js dtype suffixes, in the order a folder's files are listed. */
export const ONNX_VARIANT_SUFFIXES = ['', '_fp16', '_q4', '_q4f16', '_quantized', '_int8', '_uint8', '_bnb4'] as const;

const MODEL_BASES = { vision: 'vision_encoder', embed: 'embed_tokens', decoder: 'decoder_model_merged' } as const;

/** The three files of one variant. */
export function variantFiles(folder: Pick<ModelFolder, 'dir'>, suffix: string): ModelFiles {
  const onnxDir = path.join(folder.dir, 'onnx');
  return {
    vision: path.join(onnxDir, `${MODEL_BASES.vision}${suffix}.onnx`),
    embed: path.join(onnxDir, `${MODEL_BASES.embed}${suffix}.onnx`),
    decoder: path.join(onnxDir, `${MODEL_BASES.decoder}${suffix}.onnx`),
  };
}

/**
 * The variant to run on a provider: on a GPU fp16 activations (int4 weights first), on the CPU
 * fp32 activations with int4 weights first (MatMulNBits' int8 path is the fast one there).
 */
export function preferredVariant(variants: readonly string[], gpu: boolean): string {
  const order = gpu ? ['_q4f16', '_fp16', '_q4', ''] : ['_q4', '', '_quantized', '_int8', '_uint8', '_q4f16', '_fp16'];
  return order.find((suffix) => variants.includes(suffix)) ?? variants[0]!;
}

const CONVERT_HINT = 'convert the Hugging Face checkpoint with `mini-o3-studio convert CHECKPOINT_DIR OUT_DIR`';

type Json = Record<string, unknown>;

function readJson(file: string, required: boolean): Json | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      if (!required) return null;
      throw new ModelFolderError(file, `missing (${CONVERT_HINT})`);
    }
    throw new ModelFolderError(file, `cannot be read: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ModelFolderError(file, `is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ModelFolderError(file, 'is not a JSON object');
  return value as Json;
}

function positiveInt(obj: Json, field: string, file: string, fallback: number): number {
  const v = obj[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new ModelFolderError(file, `field "${field}" must be a positive whole number, got ${JSON.stringify(v)}`);
  }
  return v;
}

function readPreprocessor(dir: string): PreprocessorSettings {
  const file = path.join(dir, 'preprocessor_config.json');
  const json = readJson(file, true)!;
  // Newer processors nest the bounds in `size: {shortest_edge: min, longest_edge: max}`.
  const size = typeof json.size === 'object' && json.size !== null ? (json.size as Json) : {};
  const minPixels = positiveInt(json, 'min_pixels', file, positiveInt(size, 'shortest_edge', file, 3136));
  const maxPixels = positiveInt(json, 'max_pixels', file, positiveInt(size, 'longest_edge', file, 12_845_056));
  if (minPixels > maxPixels) throw new ModelFolderError(file, `min_pixels ${minPixels} exceeds max_pixels ${maxPixels}`);
  checkClipStatistics(json, file);
  return {
    minPixels,
    maxPixels,
    patchSize: positiveInt(json, 'patch_size', file, 14),
    mergeSize: positiveInt(json, 'merge_size', file, 2),
    temporalPatchSize: positiveInt(json, 'temporal_patch_size', file, 2),
  };
}

/** The core's preprocessing normalises with CLIP's mean/std (Qwen2-VL's); anything else would be silently wrong. */
function checkClipStatistics(json: Json, file: string): void {
  const clip = { image_mean: [0.48145466, 0.4578275, 0.40821073], image_std: [0.26862954, 0.26130258, 0.27577711] };
  for (const field of ['image_mean', 'image_std'] as const) {
    const v = json[field];
    if (v === undefined) continue;
    const ok = Array.isArray(v) && v.length === 3 && v.every((x, i) => typeof x === 'number' && Math.abs(x - clip[field][i]!) < 1e-6);
    if (!ok) throw new ModelFolderError(file, `field "${field}" is ${JSON.stringify(v)}; only Qwen2-VL's CLIP values ${JSON.stringify(clip[field])} are supported`);
  }
}

function readGeneration(dir: string, config: QwenVlConfig, tokenizerEos: number | undefined): GenerationDefaults {
  const file = path.join(dir, 'generation_config.json');
  const json = readJson(file, false) ?? {};
  const ids = new Set<number>(config.tokenIds.eos);
  const eos = json.eos_token_id;
  for (const id of Array.isArray(eos) ? eos : [eos]) if (typeof id === 'number' && Number.isInteger(id)) ids.add(id);
  if (tokenizerEos !== undefined) ids.add(tokenizerEos);
  const num = (field: string): number | undefined => (typeof json[field] === 'number' ? (json[field] as number) : undefined);
  const defaults: GenerationDefaults = { eosIds: [...ids] };
  if (typeof json.do_sample === 'boolean') defaults.doSample = json.do_sample;
  const temperature = num('temperature');
  const topP = num('top_p');
  const topK = num('top_k');
  if (temperature !== undefined) defaults.temperature = temperature;
  if (topP !== undefined) defaults.topP = topP;
  if (topK !== undefined) defaults.topK = topK;
  return defaults;
}

function readChatTemplate(dir: string, tokenizerConfig: Json): { text: string; file: string } {
  const templateFile = path.join(dir, 'chat_template.json');
  const fromFile = readJson(templateFile, false);
  if (fromFile) {
    if (typeof fromFile.chat_template !== 'string') throw new ModelFolderError(templateFile, 'field "chat_template" must be a string');
    return { text: fromFile.chat_template, file: templateFile };
  }
  const configFile = path.join(dir, 'tokenizer_config.json');
  const inline = tokenizerConfig.chat_template;
  if (typeof inline === 'string') return { text: inline, file: configFile };
  if (Array.isArray(inline)) {
    const named = inline.find((t): t is { name: string; template: string } => typeof t === 'object' && t !== null && t.name === 'default' && typeof t.template === 'string');
    if (named) return { text: named.template, file: configFile };
  }
  throw new ModelFolderError(templateFile, 'missing, and tokenizer_config.json has no "chat_template" (copy chat_template.json from the Hugging Face checkpoint)');
}

/** Suffixes for which all three files exist; a missing file is reported when none is complete. */
function findVariants(onnxDir: string, forced: string | undefined): string[] {
  const complete = (suffix: string) => Object.values(MODEL_BASES).every((base) => fs.existsSync(path.join(onnxDir, `${base}${suffix}.onnx`)));
  const candidates = forced !== undefined ? [forced] : [...ONNX_VARIANT_SUFFIXES];
  const found = candidates.filter(complete);
  if (found.length > 0) return found;
  const suffix = forced ?? '';
  const missing = Object.values(MODEL_BASES).find((base) => !fs.existsSync(path.join(onnxDir, `${base}${suffix}.onnx`)))!;
  const wanted = forced !== undefined ? `${missing}${forced}.onnx` : `${missing}.onnx (or a ${ONNX_VARIANT_SUFFIXES.slice(1).join('/')} variant of all three files)`;
  const present = fs.existsSync(onnxDir) ? fs.readdirSync(onnxDir).filter((f) => f.endsWith('.onnx')) : [];
  const holds = present.length > 0 ? `; the folder holds ${present.join(', ')}` : '';
  throw new ModelFolderError(path.join(onnxDir, `${missing}${suffix}.onnx`), `missing: expected ${wanted}${holds}. ${CONVERT_HINT}`);
}

/** Recognises folders that are not converted models and says what they are. */
function explainForeignFolder(dir: string): void {
  const onnxDir = path.join(dir, 'onnx');
  if (fs.existsSync(onnxDir)) return;
  if (fs.existsSync(path.join(dir, 'genai_config.json'))) {
    throw new ModelFolderError(dir, `an onnxruntime-genai export (genai_config.json); this backend needs the transformers.js layout (onnx/vision_encoder.onnx, onnx/embed_tokens.onnx, onnx/decoder_model_merged.onnx): ${CONVERT_HINT}`);
  }
  const names = fs.readdirSync(dir);
  if (names.some((n) => n.endsWith('.safetensors') || n === 'model.safetensors.index.json')) {
    throw new ModelFolderError(dir, `a Hugging Face checkpoint (safetensors), not yet converted to ONNX: ${CONVERT_HINT}`);
  }
  if (names.some((n) => n.endsWith('.onnx'))) {
    throw new ModelFolderError(dir, `holds ${names.filter((n) => n.endsWith('.onnx')).join(', ')} but no onnx/ folder; this backend needs the transformers.js layout: ${CONVERT_HINT}`);
  }
  throw new ModelFolderError(path.join(dir, 'onnx'), `missing: not a converted model folder (${CONVERT_HINT})`);
}

export interface ReadModelFolderOptions {
  /** One transformers.js suffix for all three files ('' = fp32, '_fp16', '_q4', ...); default: per provider (preferredVariant). */
  variant?: string;
}

export function readModelFolder(dirInput: string, options: ReadModelFolderOptions = {}): ModelFolder {
  const dir = path.resolve(dirInput);
  if (!fs.existsSync(dir)) throw new ModelFolderError(dir, 'the model folder does not exist');
  if (!fs.statSync(dir).isDirectory()) throw new ModelFolderError(dir, 'is not a folder (give the folder that holds config.json and onnx/)');
  explainForeignFolder(dir);

  const configFile = path.join(dir, 'config.json');
  let config: QwenVlConfig;
  try {
    config = parseQwenVlConfig(readJson(configFile, true), configFile);
  } catch (error) {
    if (error instanceof ConvertError) throw new ModelFolderError(error.file, error.message.slice(error.file.length + 2));
    throw error;
  }
  const tokenizerJson = readJson(path.join(dir, 'tokenizer.json'), true)!;
  const tokenizerConfig = readJson(path.join(dir, 'tokenizer_config.json'), true)!;
  const template = readChatTemplate(dir, tokenizerConfig);
  const preprocessor = readPreprocessor(dir);
  if (preprocessor.patchSize !== config.vision.patchSize || preprocessor.mergeSize !== config.vision.spatialMergeSize) {
    throw new ModelFolderError(
      path.join(dir, 'preprocessor_config.json'),
      `patch_size ${preprocessor.patchSize} / merge_size ${preprocessor.mergeSize} differ from config.json's vision_config (${config.vision.patchSize} / ${config.vision.spatialMergeSize})`,
    );
  }
  const variants = findVariants(path.join(dir, 'onnx'), options.variant);
  const eosText = typeof tokenizerConfig.eos_token === 'string' ? tokenizerConfig.eos_token : undefined;
  const addedEos = eosText === undefined ? undefined : addedTokenId(tokenizerJson, eosText);
  const nameOrPath = config.raw._name_or_path;
  return {
    dir,
    name: typeof nameOrPath === 'string' && nameOrPath !== '' ? path.basename(nameOrPath) : path.basename(dir),
    config,
    preprocessor,
    generation: readGeneration(dir, config, addedEos),
    tokenizer: { tokenizerJson, tokenizerConfig, chatTemplate: template.text, templateFile: template.file },
    variants,
  };
}

function addedTokenId(tokenizerJson: Json, content: string): number | undefined {
  const added = Array.isArray(tokenizerJson.added_tokens) ? tokenizerJson.added_tokens : [];
  for (const t of added) {
    if (typeof t === 'object' && t !== null && (t as Json).content === content && typeof (t as Json).id === 'number') return (t as Json).id as number;
  }
  return undefined;
}
