import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointReader } from '../../../src/core/convert/checkpoint-reader';
import { ConvertError } from '../../../src/core/convert/convert-error';
import { f32ToBf16Bits, f32ToF16Bits } from '../../../src/core/convert/float-convert';
import { readSafetensorsHeader } from '../../../src/core/convert/safetensors';
import { writeSafetensors, writeTinyCheckpoint } from '../../support/tiny-qwen-checkpoint';

const work = mkdtempSync(join(tmpdir(), 'mini-o3-st-'));

function bytesOf(values: number[], dtype: 'F32' | 'BF16' | 'F16'): Uint8Array {
  if (dtype === 'F32') return new Uint8Array(Float32Array.from(values).buffer);
  const bits = Uint16Array.from(values, (v) => (dtype === 'BF16' ? f32ToBf16Bits(v) : f32ToF16Bits(v)));
  return new Uint8Array(bits.buffer);
}

test('header: dtypes, shapes and absolute offsets; values read back per dtype', async () => {
  const dir = join(work, 'one');
  mkdirSync(dir);
  await writeSafetensors(join(dir, 'model.safetensors'), [
    { name: 'a', dtype: 'F32', shape: [2, 3], bytes: bytesOf([1, 2, 3, 4, 5, 6], 'F32') },
    { name: 'b', dtype: 'BF16', shape: [3], bytes: bytesOf([0.5, -2, 3], 'BF16') },
    { name: 'c', dtype: 'F16', shape: [2, 2], bytes: bytesOf([1.5, -0.25, 1024, 0], 'F16') },
  ]);
  const header = await readSafetensorsHeader(join(dir, 'model.safetensors'));
  const size = readFileSync(join(dir, 'model.safetensors')).length;
  assert.deepEqual(header.metadata, { format: 'pt' });
  assert.deepEqual(header.tensors.map((t) => [t.name, t.dtype, t.shape, t.byteLength]), [
    ['a', 'F32', [2, 3], 24],
    ['b', 'BF16', [3], 6],
    ['c', 'F16', [2, 2], 8],
  ]);
  assert.equal(header.tensors[2]!.dataStart + 8, size);
  const reader = await CheckpointReader.open(dir);
  assert.deepEqual(Array.from(await reader.readRows('a', 1, 1)), [4, 5, 6]);
  assert.deepEqual(Array.from(await reader.readAll('b')), [0.5, -2, 3]);
  assert.deepEqual(Array.from(await reader.readAll('c')), [1.5, -0.25, 1024, 0]);
  const chunks = [];
  for await (const chunk of reader.rowChunks('a', 12)) chunks.push([chunk.rowStart, chunk.rows, Array.from(chunk.data)]);
  assert.deepEqual(chunks, [[0, 1, [1, 2, 3]], [1, 1, [4, 5, 6]]]);
});

test('truncated file: the header promises more bytes than the file has', async () => {
  const dir = join(work, 'trunc');
  mkdirSync(dir);
  const file = join(dir, 'model.safetensors');
  await writeSafetensors(file, [{ name: 'w', dtype: 'F32', shape: [4, 4], bytes: bytesOf(Array(16).fill(1), 'F32') }]);
  truncateSync(file, readFileSync(file).length - 10);
  await assert.rejects(readSafetensorsHeader(file), (e: Error) => e instanceof ConvertError && e.message.startsWith(file) && /truncated: tensor "w" ends at byte \d+ but the file has \d+ bytes/.test(e.message));
  truncateSync(file, 20);
  await assert.rejects(readSafetensorsHeader(file), /truncated: the header needs \d+ bytes but the file has 20/);
});

test('malformed headers are named: bad JSON, bad dtype, offsets that disagree with the shape', async () => {
  const file = join(work, 'bad.safetensors');
  const write = (json: string) => {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    writeFileSync(file, Buffer.concat([len, Buffer.from(json), Buffer.alloc(64)]));
  };
  write('{"a": ');
  await assert.rejects(readSafetensorsHeader(file), /header is not valid JSON/);
  write('{"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,2]}}');
  await assert.rejects(readSafetensorsHeader(file), /tensor "a" has unknown dtype "Q4"/);
  write('{"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}');
  await assert.rejects(readSafetensorsHeader(file), /tensor "a" \(F32 \[2,2\]\) needs 16 bytes but data_offsets span 12/);
  writeFileSync(file, Buffer.from('PK\u0003\u0004 this is a zip file, not safetensors'));
  await assert.rejects(readSafetensorsHeader(file), /implausible; not a safetensors file/);
});

test('sharded checkpoint: index, both key spellings, missing shard, tensor absent from its shard', async () => {
  const published = await writeTinyCheckpoint(join(work, 'pub'), { shards: 3 });
  const modern = await writeTinyCheckpoint(join(work, 'modern'), { keyStyle: 'modern', shards: 2 });
  const a = await CheckpointReader.open(published.dir);
  const b = await CheckpointReader.open(modern.dir);
  assert.equal(a.shardFiles.length, 3);
  assert.deepEqual(a.names().sort(), b.names().sort());
  assert.ok(b.has('model.layers.0.self_attn.q_proj.weight'));
  assert.ok(b.has('visual.blocks.0.attn.qkv.weight'));
  assert.equal(b.entry('visual.merger.mlp.0.weight').name, 'model.visual.merger.mlp.0.weight');
  assert.deepEqual(await b.readAll('model.norm.weight'), modern.weights.get('model.norm.weight')!.data);
  assert.throws(() => a.entry('model.layers.9.mlp.up_proj.weight'), /has no tensor "model.layers.9.mlp.up_proj.weight"/);

  const shard = published.shardFiles[1]!;
  rmSync(join(published.dir, shard));
  await assert.rejects(CheckpointReader.open(published.dir), (e: Error) => e.message.includes('model.safetensors.index.json') && e.message.includes(`names shard "${shard}", which does not exist`));

  const indexPath = join(modern.dir, 'model.safetensors.index.json');
  const index = JSON.parse(readFileSync(indexPath, 'utf8')) as { weight_map: Record<string, string> };
  index.weight_map['model.language_model.layers.7.mlp.up_proj.weight'] = modern.shardFiles[0]!;
  writeFileSync(indexPath, JSON.stringify(index));
  await assert.rejects(CheckpointReader.open(modern.dir), /does not contain tensor "model.language_model.layers.7.mlp.up_proj.weight" that model.safetensors.index.json places there/);
});

test('folders that are not safetensors checkpoints say what they are', async () => {
  const onnx = join(work, 'already-onnx');
  mkdirSync(join(onnx, 'onnx'), { recursive: true });
  writeFileSync(join(onnx, 'onnx', 'decoder_model_merged_q4.onnx'), 'x');
  await assert.rejects(CheckpointReader.open(onnx), /already holds ONNX models \(onnx\/decoder_model_merged_q4.onnx\)/);
  const torch = join(work, 'torch');
  mkdirSync(torch);
  writeFileSync(join(torch, 'pytorch_model.bin'), 'x');
  await assert.rejects(CheckpointReader.open(torch), /only PyTorch pickle weights/);
  await assert.rejects(CheckpointReader.open(join(work, 'nowhere')), /is not a readable folder/);
});
