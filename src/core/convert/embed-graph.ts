import { int } from './graph-builder';
import { LayerEmitter } from './layers';
import { DataType } from './onnx-proto';
import type { QwenTextConfig } from './qwen-config';

export const EMBED_IO = { inputIds: 'input_ids', inputsEmbeds: 'inputs_embeds' } as const;

/**
 * input_ids int64 [B,S] → inputs_embeds [B,S,H] (a Gather). With int4 the table is stored as fp16 (exact for
 * bf16 checkpoints inside fp16's range) and cast to the activation type, halving the largest fp32 tensor.
 */
export async function emitEmbedTokens(e: LayerEmitter, text: QwenTextConfig): Promise<void> {
  const { g } = e;
  const storage = e.p.int4 ? 'fp16' : e.p.precision;
  const ids = g.input(EMBED_IO.inputIds, DataType.INT64, ['batch_size', 'sequence_length']);
  const table = await e.w.plain('model.embed_tokens.weight', 'embed_tokens.weight', storage);
  let embeds = g.op('Gather', [table, ids], { axis: int(0) }, { name: 'embed_tokens' });
  if (storage !== e.p.precision) embeds = g.op('Cast', [embeds], { to: int(e.act) }, { name: 'embed_cast' });
  g.output(embeds, EMBED_IO.inputsEmbeds, e.act, ['batch_size', 'sequence_length', text.hiddenSize]);
}
