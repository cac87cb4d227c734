import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SearchConfigError, readSearchConfig } from '../../../src/host/search/search-config';

/** The package.json defaults of every miniO3 model/sampling setting, as VS Code returns them when unset. */
const DEFAULTS: Record<string, unknown> = {
  backend: 'openai', serverUrl: 'http://127.0.0.1:8000/v1', modelName: '', modelFolder: '', executionProviders: 'cuda,webgpu,cpu',
  maxTurns: 12, maxImages: 0, maxTokens: 8192, temperature: 1, topP: 1, topK: -1, seed: null, minPixels: 40000, maxPixels: 2000000,
};
const reader = (over: Record<string, unknown> = {}) => (key: string) => ({ ...DEFAULTS, ...over })[key];

test('the defaults map onto Mini-o3\'s search settings', () => {
  const config = readSearchConfig(reader());
  assert.equal(config.backend, 'openai');
  assert.equal(config.modelName, null);
  assert.deepEqual(config.settings, {
    max_turns: 12, max_images: 12, max_tokens: 8192, min_pixels: 40000, max_pixels: 2000000, max_context: 32768,
    temperature: 1, top_p: 1, top_k: -1,
  });
});

test('every setting reaches its field; maxImages 0 follows maxTurns, a seed is kept', () => {
  const config = readSearchConfig(reader({ maxTurns: 32, maxTokens: 2048, temperature: 0, topP: 0.9, topK: 20, seed: 7, minPixels: 1000, maxPixels: 5000, modelName: ' mini-o3 ' }));
  assert.equal(config.modelName, 'mini-o3');
  assert.deepEqual(config.settings, {
    max_turns: 32, max_images: 32, max_tokens: 2048, min_pixels: 1000, max_pixels: 5000, max_context: 32768,
    temperature: 0, top_p: 0.9, top_k: 20, seed: 7,
  });
  assert.equal(readSearchConfig(reader({ maxTurns: 32, maxImages: 8 })).settings.max_images, 8);
});

test('bad values name the setting as the Settings editor shows it', () => {
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ maxTurns: 100 }, 'maxTurns', /^Setting miniO3\.maxTurns: must be an integer 1\.\.64, got 100$/],
    [{ topP: 0 }, 'topP', /miniO3\.topP: must be in \(0, 1\]/],
    [{ topK: 0 }, 'topK', /miniO3\.topK: must be -1/],
    [{ minPixels: 10, maxPixels: 5 }, 'minPixels', /must not exceed max_pixels/],
    [{ temperature: 'hot' }, 'temperature', /miniO3\.temperature: must be a number, got "hot"/],
    [{ seed: 1.5 }, 'seed', /miniO3\.seed: must be an integer/],
    [{ backend: 'tpu' }, 'backend', /miniO3\.backend: must be "openai" or "onnx"/],
    [{ serverUrl: 'not a url' }, 'serverUrl', /miniO3\.serverUrl/],
    [{ backend: 'onnx' }, 'modelFolder', /miniO3\.modelFolder: the onnx backend needs a converted model folder/],
    [{ backend: 'onnx', modelFolder: '/m', executionProviders: 'tpu' }, 'executionProviders', /unknown execution provider "tpu"/],
  ];
  for (const [over, setting, message] of cases) {
    assert.throws(() => readSearchConfig(reader(over)), (error: unknown) => {
      assert.ok(error instanceof SearchConfigError, `${JSON.stringify(over)}: ${String(error)}`);
      assert.equal(error.setting, setting);
      assert.match(error.message, message);
      return true;
    });
  }
});

test('a chosen backend overrides the setting; the onnx backend does not check the server URL', () => {
  const config = readSearchConfig(reader({ serverUrl: 'ftp://x', modelFolder: '/models/mini-o3' }), { backend: 'onnx' });
  assert.equal(config.backend, 'onnx');
  assert.equal(config.modelFolder, '/models/mini-o3');
});
