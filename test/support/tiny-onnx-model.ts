import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { convertCheckpoint, type ConvertOptions } from '../../src/core/convert/convert';
import { writeTinyCheckpoint, type TinyCheckpointOptions } from './tiny-qwen-checkpoint';
import { writeTinyTokenizer } from './tiny-tokenizer';

/**
 * A converted tiny Qwen2.5-VL for the onnx backend's tests and benches: the random checkpoint
 * of `writeTinyCheckpoint` plus the tiny tokenizer (ids matched to the checkpoint's vocabulary),
 * converted by the real converter into the transformers.js layout.
 */
export interface TinyOnnxModel {
  /** The converted folder (config.json, tokenizer files, onnx/). */
  dir: string;
  /** The Hugging Face checkpoint it was converted from. */
  checkpointDir: string;
  root: string;
  cleanup(): void;
}

export async function buildTinyOnnxModel(
  options: { checkpoint?: TinyCheckpointOptions; convert?: ConvertOptions; root?: string } = {},
): Promise<TinyOnnxModel> {
  const root = options.root ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tiny-onnx-'));
  const checkpointDir = path.join(root, 'checkpoint');
  const checkpoint = await writeTinyCheckpoint(checkpointDir, options.checkpoint ?? {});
  const vocabSize = checkpoint.modelConfig.text.vocabSize;
  writeTinyTokenizer(checkpointDir, { vocabSize, specialTokenBase: checkpoint.specialTokens.endoftext });
  const dir = path.join(root, 'model');
  await convertCheckpoint(checkpointDir, dir, options.convert ?? {});
  return { dir, checkpointDir, root, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) };
}

/** A copy of a converted folder whose onnx/ files are hard links (cheap), for variants of its JSON files. */
export function linkedCopy(modelDir: string, target: string): string {
  fs.mkdirSync(path.join(target, 'onnx'), { recursive: true });
  for (const name of fs.readdirSync(modelDir)) {
    if (name === 'onnx') continue;
    fs.copyFileSync(path.join(modelDir, name), path.join(target, name));
  }
  for (const name of fs.readdirSync(path.join(modelDir, 'onnx'))) {
    fs.linkSync(path.join(modelDir, 'onnx', name), path.join(target, 'onnx', name));
  }
  return target;
}
