import { CheckpointReader } from './checkpoint-reader';
import { ConvertError } from './convert-error';
import type { QwenVlConfig } from './qwen-config';
import { expectedTensors } from './qwen-weights';

const FLOAT_DTYPES = new Set(['BF16', 'F16', 'F32', 'F64']);

/**
 * Checks every tensor the config implies exists with the right shape and a float dtype, before anything is
 * written, so a mismatched checkpoint fails in a second instead of halfway through a 15 GB conversion.
 * Returns the bytes the conversion will read.
 */
export function checkCheckpointTensors(reader: CheckpointReader, config: QwenVlConfig): number {
  const missing: string[] = [];
  let bytes = 0;
  for (const t of expectedTensors(config)) {
    if (!reader.has(t.name)) {
      missing.push(t.name);
      continue;
    }
    const e = reader.entry(t.name);
    if (!FLOAT_DTYPES.has(e.dtype)) {
      throw new ConvertError(e.file, `tensor "${e.name}" has dtype ${e.dtype}; expected BF16, F16 or F32 (quantized checkpoints such as AWQ/GPTQ are not supported)`);
    }
    if (e.shape.length !== t.shape.length || e.shape.some((d, i) => d !== t.shape[i])) {
      throw new ConvertError(e.file, `tensor "${e.name}" has shape ${JSON.stringify(e.shape)} but config.json implies ${JSON.stringify(t.shape)}`);
    }
    bytes += e.byteLength;
  }
  if (missing.length > 0) {
    const list = missing.slice(0, 5).map((n) => `"${n}"`).join(', ');
    throw new ConvertError(reader.dir, `the checkpoint lacks ${missing.length} tensor(s) config.json implies: ${list}${missing.length > 5 ? ', …' : ''}`);
  }
  if (config.text.tieWordEmbeddings) bytes += reader.entry('model.embed_tokens.weight').byteLength;
  return bytes;
}
