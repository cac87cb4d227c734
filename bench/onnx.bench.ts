// The onnx backend on the CPU: prefill and decode speed, time to first token, the loop's time
// per token outside session.run (target < 5 %), and decode step time against context length.
// Quick: the tiny test model only. Full: also a random-weight model of Qwen2.5-0.5B's text shape
// (hidden 896, 24 layers, 14/2 heads, MLP 4864, vocab 151936) in int4, cached in bench-out/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { convertCheckpoint } from '../src/core/convert/convert';
import { OnnxPolicy } from '../src/core/model/onnx/onnx-policy';
import { buildTinyOnnxModel } from '../test/support/tiny-onnx-model';
import { measureModel, round } from './onnx-measure';
import { QWEN25_05B_TEXT, SMALL_VISION, writeRandomCheckpoint } from './random-qwen-checkpoint';

const ROOT = path.join(__dirname, '..');

/** The mid-size model, converted once and kept in bench-out/ (its key names the shape). */
async function midSizeModel(): Promise<{ dir: string; buildS: number }> {
  const key = `qwen25-0.5b-text-q4-v1`;
  const root = path.join(ROOT, 'bench-out', 'onnx-models', key);
  const dir = path.join(root, 'model');
  if (fs.existsSync(path.join(root, 'complete'))) return { dir, buildS: 0 };
  fs.rmSync(root, { recursive: true, force: true });
  const started = performance.now();
  await writeRandomCheckpoint(path.join(root, 'checkpoint'), QWEN25_05B_TEXT, SMALL_VISION);
  await convertCheckpoint(path.join(root, 'checkpoint'), dir, { int4: true, int4AccuracyLevel: 4 });
  fs.rmSync(path.join(root, 'checkpoint'), { recursive: true, force: true });
  fs.writeFileSync(path.join(root, 'complete'), '');
  return { dir, buildS: (performance.now() - started) / 1000 };
}

export async function run(opts: { quick: boolean }): Promise<Record<string, number | string>> {
  const results: Record<string, number | string> = { cpu_threads: os.availableParallelism() };
  const tiny = await buildTinyOnnxModel();
  try {
    const policy = await OnnxPolicy.load({ modelDir: tiny.dir, executionProviders: ['cpu'] });
    try {
      results.ep = policy.executionProvider;
      Object.assign(results, await measureModel(policy, 'tiny', { contexts: [256, 1024, 4000], decodeTokens: 64, image: { width: 448, height: 336 } }));
    } finally {
      await policy.dispose();
    }
  } finally {
    tiny.cleanup();
  }
  if (opts.quick) return results;

  const mid = await midSizeModel();
  results.mid_model = 'Qwen2.5-0.5B text shape, random int4 (acc 4), tiny vision';
  if (mid.buildS > 0) results.mid_build_s = round(mid.buildS);
  const policy = await OnnxPolicy.load({ modelDir: mid.dir, executionProviders: ['cpu'] });
  try {
    Object.assign(results, await measureModel(policy, 'mid', { contexts: [256, 1024, 4000], decodeTokens: 32, image: { width: 448, height: 336 } }));
  } finally {
    await policy.dispose();
  }
  return results;
}
