import * as ort from 'onnxruntime-node';
import type { QwenVlConfig } from '../../convert/qwen-config';
import { VISION_IO, visionEncoderFeeds } from '../../convert/vision-inputs';
import {
  firstWorkingProvider,
  sessionOptionsFor,
  type ExecutionProviderName,
  type ProviderAttempt,
  type SessionTuning,
} from './execution-providers';
import { ModelFolderError, preferredVariant, variantFiles, type ModelFiles, type ModelFolder } from './model-folder';

/**
 * The three onnxruntime sessions of a converted Qwen2.5-VL and what their inputs and outputs
 * look like. The decoder must have the transformers.js merged-decoder signature
 * (`inputs_embeds, attention_mask, position_ids [3,B,S], past_key_values.{i}.key|value`
 * → `logits, present.{i}.key|value`); anything else is refused with a message that says which
 * name is missing, so a folder from another converter fails at load, not mid-generation.
 */

export type FloatType = 'float32' | 'float16';

export interface DecoderSignature {
  /** Element type of inputs_embeds (and of the embed and vision outputs fed into it). */
  embedType: FloatType;
  /** Element type of the KV cache. */
  kvType: FloatType;
  logitsType: FloatType;
  layers: number;
  kvHeads: number;
  headDim: number;
  /** True when the decoder takes `num_logits_to_keep` (then only the last row of logits is computed). */
  takesLogitsToKeep: boolean;
}

export interface ModelSessions {
  ep: ExecutionProviderName;
  attempts: ProviderAttempt[];
  vision: ort.InferenceSession;
  embed: ort.InferenceSession;
  decoder: ort.InferenceSession;
  signature: DecoderSignature;
  /** Output name of the vision encoder and of the embedding model. */
  visionOutput: string;
  visionFile: string;
  /** The variant's files the sessions were created from. */
  files: ModelFiles;
  embedOutput: string;
}

function tensorMeta(session: ort.InferenceSession, name: string, kind: 'input' | 'output'): ort.InferenceSession.TensorValueMetadata | null {
  const list = kind === 'input' ? session.inputMetadata : session.outputMetadata;
  const meta = list.find((m) => m.name === name);
  return meta && meta.isTensor ? meta : null;
}

function floatType(type: string, file: string, name: string): FloatType {
  if (type === 'float32' || type === 'float16') return type;
  throw new ModelFolderError(file, `"${name}" has element type ${type}; only float32 and float16 are supported`);
}

/** Checks the decoder's signature against the config; throws ModelFolderError naming what differs. */
export function decoderSignature(decoder: ort.InferenceSession, config: QwenVlConfig, file: string): DecoderSignature {
  const layout = '(expected the transformers.js merged decoder: inputs_embeds, attention_mask, position_ids [3,B,S], past_key_values.N.key/value → logits, present.N.key/value)';
  const require = (name: string, kind: 'input' | 'output') => {
    const meta = tensorMeta(decoder, name, kind);
    if (!meta) throw new ModelFolderError(file, `${kind} "${name}" missing ${layout}; it has inputs ${decoder.inputNames.join(', ')}`);
    return meta;
  };
  const embeds = require('inputs_embeds', 'input');
  require('attention_mask', 'input');
  const positions = require('position_ids', 'input');
  if (positions.shape.length !== 3) {
    throw new ModelFolderError(file, `input "position_ids" has ${positions.shape.length} dimensions; Qwen2.5-VL's multimodal rotary positions need [3, batch, sequence] ${layout}`);
  }
  const logits = require('logits', 'output');
  const { numLayers, numKvHeads, headDim } = config.text;
  let kvType: FloatType | null = null;
  for (let i = 0; i < numLayers; i++) {
    for (const part of ['key', 'value']) {
      const past = require(`past_key_values.${i}.${part}`, 'input');
      require(`present.${i}.${part}`, 'output');
      const type = floatType(past.type, file, `past_key_values.${i}.${part}`);
      if (kvType !== null && type !== kvType) throw new ModelFolderError(file, 'the KV-cache inputs mix float32 and float16');
      kvType = type;
      const [, heads, , dim] = past.shape;
      if ((typeof heads === 'number' && heads !== numKvHeads) || (typeof dim === 'number' && dim !== headDim)) {
        throw new ModelFolderError(file, `past_key_values.${i}.${part} has shape [${past.shape.join(', ')}] but config.json says ${numKvHeads} KV heads of ${headDim}`);
      }
    }
  }
  const extraPast = decoder.inputNames.filter((n) => n.startsWith('past_key_values.')).length;
  if (extraPast !== numLayers * 2) {
    throw new ModelFolderError(file, `has ${extraPast / 2} layers of KV cache but config.json says num_hidden_layers ${numLayers}`);
  }
  return {
    embedType: floatType(embeds.type, file, 'inputs_embeds'),
    kvType: kvType ?? 'float32',
    logitsType: floatType(logits.type, file, 'logits'),
    layers: numLayers,
    kvHeads: numKvHeads,
    headDim,
    takesLogitsToKeep: decoder.inputNames.includes('num_logits_to_keep'),
  };
}

function singleOutput(session: ort.InferenceSession, file: string, preferred: string): string {
  if (session.outputNames.includes(preferred)) return preferred;
  if (session.outputNames.length === 1) return session.outputNames[0]!;
  throw new ModelFolderError(file, `output "${preferred}" missing; it has ${session.outputNames.join(', ')}`);
}

/** Inputs this runner can feed the vision encoder: the pixels, the converter's geometry, or a grid. */
export function providedVisionInputs(config: QwenVlConfig): string[] {
  const geometry = visionEncoderFeeds([[1, 2 * config.vision.spatialMergeSize, 2 * config.vision.spatialMergeSize]], {
    windowSize: config.vision.windowSize,
    patchSize: config.vision.patchSize,
    spatialMergeSize: config.vision.spatialMergeSize,
  });
  return [VISION_IO.pixelValues, ...Object.keys(geometry), 'image_grid_thw', 'grid_thw'];
}

/** Null when every input of the vision encoder can be fed; else what is wrong, for the user. */
function visionInputProblem(vision: ort.InferenceSession, config: QwenVlConfig): string | null {
  if (!vision.inputNames.includes(VISION_IO.pixelValues)) return `input "pixel_values" missing; it has ${vision.inputNames.join(', ')}`;
  const provided = providedVisionInputs(config);
  const unknown = vision.inputNames.filter((name) => !provided.includes(name));
  if (unknown.length === 0) return null;
  return `takes ${unknown.map((n) => `"${n}"`).join(', ')}, which this version cannot provide (it provides ${provided.slice(0, -1).join(', ')}): ` +
    'the folder was converted by another version; convert the checkpoint again with `mini-o3-studio convert`';
}

/** Failures that no other provider would fix: a missing, truncated or invalid model file. */
export function isModelFileError(error: unknown): boolean {
  if (error instanceof ModelFolderError) return true;
  const message = error instanceof Error ? error.message : String(error);
  return /Load model from .* failed|Protobuf parsing failed|No such file|ENOENT|external data|model_path must not be empty|Invalid model|ir_version/i.test(message);
}

async function release(sessions: (ort.InferenceSession | undefined)[]): Promise<void> {
  await Promise.all(sessions.map((s) => s?.release().catch(() => undefined)));
}

/** Creates the three sessions on the first provider that can run them all, from the variant that suits it. */
export async function openModelSessions(
  folder: ModelFolder,
  order: readonly ExecutionProviderName[],
  tuning: SessionTuning = {},
): Promise<ModelSessions> {
  const config = folder.config;
  // Provider probing prints native errors on stderr by default; the reasons are reported instead.
  ort.env.logLevel = 'fatal';
  const chosen = await firstWorkingProvider(
    order,
    async (ep) => {
      const options = sessionOptionsFor(ep, tuning);
      const files = variantFiles(folder, preferredVariant(folder.variants, ep !== 'cpu'));
      const opened: ort.InferenceSession[] = [];
      try {
        // The decoder first: it is the largest and the likeliest to fail (memory, operators).
        const decoder = await ort.InferenceSession.create(files.decoder, options);
        opened.push(decoder);
        const signature = decoderSignature(decoder, config, files.decoder);
        const embed = await ort.InferenceSession.create(files.embed, options);
        opened.push(embed);
        const vision = await ort.InferenceSession.create(files.vision, options);
        opened.push(vision);
        return { decoder, embed, vision, signature, files };
      } catch (error) {
        await release(opened);
        throw error;
      }
    },
    isModelFileError,
  );
  const { decoder, embed, vision, signature, files } = chosen.value;
  if (!embed.inputNames.includes('input_ids')) {
    await release([decoder, embed, vision]);
    throw new ModelFolderError(files.embed, `input "input_ids" missing; it has ${embed.inputNames.join(', ')}`);
  }
  const visionProblem = visionInputProblem(vision, config);
  if (visionProblem !== null) {
    await release([decoder, embed, vision]);
    throw new ModelFolderError(files.vision, visionProblem);
  }
  return {
    ep: chosen.ep,
    attempts: chosen.attempts,
    vision,
    embed,
    decoder,
    signature,
    visionOutput: singleOutput(vision, files.vision, 'image_features'),
    visionFile: files.vision,
    files,
    embedOutput: singleOutput(embed, files.embed, 'inputs_embeds'),
  };
}
