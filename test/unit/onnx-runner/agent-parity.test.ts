import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { OnnxPolicy } from '../../../src/core/model/onnx/onnx-policy';
import { OpenAiPolicy } from '../../../src/core/model/openai';
import type { GenerateParams, GenerateResult, Policy, PolicyImage, PolicyMessage } from '../../../src/core/model/policy';
import { replayTrajectory } from '../../../src/core/protocol/replay';
import { runVisualSearch, type SearchEvent } from '../../../src/core/search';
import { messageText } from '../../../src/core/search/conversation';
import type { Trajectory } from '../../../src/core/trajectory/schema';
import { OpenAiTestServer, imagesOfRequest, messageTextsOfRequest } from '../../support/openai-server';
import { buildTinyOnnxModel, type TinyOnnxModel } from '../../support/tiny-onnx-model';
import { cropTurn, makeWorkspace, type Workspace } from '../search/fixtures';

/**
 * The agent loop on the local backend and on the served one must produce the same trajectory
 * when the model says the same thing: the tiny model generates greedily on onnx, then exactly
 * its turns are replayed by the loopback OpenAI server.
 */

let model: TinyOnnxModel;
let onnx: OnnxPolicy;
let ws: Workspace;

before(async () => {
  [model, ws] = await Promise.all([buildTinyOnnxModel(), makeWorkspace()]);
  onnx = await OnnxPolicy.load({ modelDir: model.dir, executionProviders: ['cpu'], threads: 1 });
});

after(async () => {
  await onnx?.dispose();
  model?.cleanup();
  ws?.cleanup();
});

/** Passes every call through and keeps what the loop sent. */
class RecordingPolicy implements Policy {
  readonly calls: { messages: PolicyMessage[]; images: PolicyImage[]; params: GenerateParams }[] = [];
  constructor(private readonly inner: Policy) {}
  get name(): string {
    return this.inner.name;
  }
  get backend(): string {
    return this.inner.backend;
  }
  generate(messages: readonly PolicyMessage[], images: readonly PolicyImage[], params: GenerateParams, options: Parameters<Policy['generate']>[3]): Promise<GenerateResult> {
    this.calls.push({ messages: structuredClone([...messages]), images: [...images], params: { ...params } });
    return this.inner.generate(messages, images, params, options);
  }
}

/** A fork prefix of two crops, so the generated turn sees three images. */
const PREFIX: Trajectory = {
  id: 'scripted',
  task: { id: 'task-1', question: '<image>\nWhat is written on the small yellow sign?', images: ['images/task-1.png'] },
  turns: [
    { text: cropTurn([0.5, 0.5, 1.0, 1.0], 'original_image', 'the sign is bottom right') },
    { text: cropTurn([0.1, 0.2, 0.6, 0.9], 'observation_1', 'closer') },
  ],
};
const SETTINGS = { temperature: 0, max_tokens: 12 };

function comparable(t: Trajectory) {
  const replay = replayTrajectory(t, { originalSize: { width: 320, height: 240 } });
  return {
    turns: t.turns.map((turn) => ({ text: turn.text, finish_reason: turn.finish_reason })),
    actions: replay.turns.map((r) => [r.action, r.status]),
    outcome: t.outcome,
    fork: t.fork,
    limits: t.limits,
    sampling: t.model?.sampling,
  };
}

test('agent loop: the onnx backend and the served backend replaying its outputs give the same trajectory', async () => {
  const local = new RecordingPolicy(onnx);
  const localEvents: SearchEvent[] = [];
  const fromOnnx = await runVisualSearch({
    task: ws.task, baseDir: ws.dir, policy: local, settings: SETTINGS, prefix: { trajectory: PREFIX, turns: 2 }, onEvent: (e) => localEvents.push(e),
  });
  assert.equal(fromOnnx.outcome?.status, 'void', 'a random model answers nothing: the turn runs to its token limit');
  assert.equal(fromOnnx.turns.length, 3);
  const generated = fromOnnx.turns[2]!;
  assert.equal(generated.finish_reason, 'length');
  assert.equal(generated.tokens?.completion, 12);
  const streamed = localEvents.flatMap((e) => (e.type === 'textDelta' ? [e.delta] : [])).join('');
  assert.equal(streamed, generated.text);
  assert.equal(local.calls.length, 1);
  assert.equal(local.calls[0]!.images.length, 3);

  const server = await OpenAiTestServer.start();
  try {
    server.conversation('yellow sign', [...PREFIX.turns.map((t) => t.text), { text: generated.text, finishReason: 'length' }]);
    const served = new RecordingPolicy(new OpenAiPolicy({ url: server.url, model: 'mini-o3-test', retries: 0, timeoutMs: 5000 }));
    const fromServer = await runVisualSearch({ task: ws.task, baseDir: ws.dir, policy: served, settings: SETTINGS, prefix: { trajectory: PREFIX, turns: 2 } });
    assert.deepEqual(comparable(fromServer), comparable(fromOnnx));

    // Both backends were given the same conversation and the same pixels.
    const request = server.requests.at(-1)!;
    assert.deepEqual(
      messageTextsOfRequest(request.body, '<|vision_start|><|image_pad|><|vision_end|>'),
      local.calls[0]!.messages.map((m) => ({ role: m.role, content: messageText(m) })),
    );
    const sent = imagesOfRequest(request.body);
    assert.equal(sent.length, 3);
    for (const [k, png] of sent.entries()) {
      const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const seen = local.calls[0]!.images[k]!;
      assert.deepEqual([info.width, info.height], [seen.width, seen.height]);
      assert.ok(data.equals(Buffer.from(seen.rgb!)), `image ${k}: same pixels`);
    }
  } finally {
    await server.close();
  }
});
