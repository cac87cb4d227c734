import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseQwenVlConfig } from '../../../src/core/convert/qwen-config';
import { writeTinyCheckpoint } from '../../support/tiny-qwen-checkpoint';

const work = mkdtempSync(join(tmpdir(), 'mini-o3-cfg-'));

/** The published Qwen2.5-VL-7B-Instruct config.json (flat style). */
const QWEN25_VL_7B = {
  architectures: ['Qwen2_5_VLForConditionalGeneration'],
  attention_dropout: 0.0,
  bos_token_id: 151643,
  eos_token_id: 151645,
  vision_start_token_id: 151652,
  vision_end_token_id: 151653,
  vision_token_id: 151654,
  image_token_id: 151655,
  video_token_id: 151656,
  hidden_act: 'silu',
  hidden_size: 3584,
  initializer_range: 0.02,
  intermediate_size: 18944,
  max_position_embeddings: 128000,
  max_window_layers: 28,
  model_type: 'qwen2_5_vl',
  num_attention_heads: 28,
  num_hidden_layers: 28,
  num_key_value_heads: 4,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000.0,
  sliding_window: 32768,
  tie_word_embeddings: false,
  torch_dtype: 'bfloat16',
  use_cache: true,
  use_sliding_window: false,
  vision_config: {
    depth: 32, hidden_act: 'silu', hidden_size: 1280, intermediate_size: 3420, num_heads: 16, in_chans: 3, out_hidden_size: 3584,
    patch_size: 14, spatial_merge_size: 2, spatial_patch_size: 14, window_size: 112, fullatt_block_indexes: [7, 15, 23, 31],
    tokens_per_second: 2, temporal_patch_size: 2,
  },
  rope_scaling: { type: 'mrope', mrope_section: [16, 24, 24] },
  vocab_size: 152064,
};

test('the published 7B config parses to the known shapes', () => {
  const c = parseQwenVlConfig(QWEN25_VL_7B, 'config.json');
  assert.deepEqual(
    [c.text.hiddenSize, c.text.numLayers, c.text.numHeads, c.text.numKvHeads, c.text.headDim, c.text.vocabSize, c.text.mropeSection],
    [3584, 28, 28, 4, 128, 152064, [16, 24, 24]],
  );
  assert.deepEqual([c.vision.depth, c.vision.headDim, c.vision.patchInputSize, c.vision.fullattBlockIndexes], [32, 80, 1176, [7, 15, 23, 31]]);
  assert.deepEqual(c.tokenIds, { image: 151655, video: 151656, visionStart: 151652, visionEnd: 151653, bos: 151643, eos: [151645] });
});

test('flat and nested (text_config, rope_parameters) configs describe the same model', async () => {
  const flat = await writeTinyCheckpoint(join(work, 'flat'));
  const nested = await writeTinyCheckpoint(join(work, 'nested'), { configStyle: 'nested' });
  assert.deepEqual(nested.modelConfig.text, flat.modelConfig.text);
  assert.deepEqual(nested.modelConfig.vision, flat.modelConfig.vision);
  const { rope_scaling: _rs, rope_theta: _rt, ...rest } = QWEN25_VL_7B;
  const v5 = { ...rest, rope_parameters: { rope_type: 'default', rope_theta: 5e5, mrope_section: [16, 24, 24] } };
  assert.equal(parseQwenVlConfig(v5, 'config.json').text.ropeTheta, 5e5);
});

test('not a Qwen2.5-VL checkpoint, or inconsistent: the error names file and field', () => {
  assert.throws(() => parseQwenVlConfig({ ...QWEN25_VL_7B, architectures: ['LlamaForCausalLM'], model_type: 'llama' }, '/m/config.json'),
    /^ConvertError: \/m\/config.json: not a Qwen2.5-VL checkpoint: expected model_type "qwen2_5_vl".*found model_type "llama", architectures \["LlamaForCausalLM"\]/);
  assert.throws(() => parseQwenVlConfig({ ...QWEN25_VL_7B, architectures: ['Qwen2VLForConditionalGeneration'], model_type: 'qwen2_vl' }, 'c.json'), /Qwen2-VL has no window attention/);
  assert.throws(() => parseQwenVlConfig({ ...QWEN25_VL_7B, rope_scaling: { type: 'mrope', mrope_section: [16, 24, 20] } }, 'c.json'), /field "rope_scaling.mrope_section" sums to 60, must be head_dim\/2 = 64/);
  assert.throws(() => parseQwenVlConfig({ ...QWEN25_VL_7B, num_key_value_heads: 5 }, 'c.json'), /field "num_key_value_heads" \(5\) does not divide/);
  const { hidden_size: _h, ...noHidden } = QWEN25_VL_7B;
  assert.throws(() => parseQwenVlConfig(noHidden, 'c.json'), /field "hidden_size" is missing/);
  assert.throws(() => parseQwenVlConfig({ ...QWEN25_VL_7B, vision_config: { ...QWEN25_VL_7B.vision_config, fullatt_block_indexes: [7, 40] } }, 'c.json'),
    /field "vision_config.fullatt_block_indexes" names block 40 but depth is 32/);
  assert.throws(() => parseQwenVlConfig([1, 2], 'c.json'), /c.json: is not a JSON object/);
  assert.throws(() => parseQwenVlConfig({ ...QWEN25_VL_7B, quantization_config: { quant_method: 'awq', bits: 4 } }, 'c.json'), /pre-quantized checkpoint \(awq\)/);
});
