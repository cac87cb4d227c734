import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PolicyMessage } from '../../../src/core/model/policy';
import { ChatTokenizer, expandImagePads } from '../../../src/core/model/onnx/chat-tokenizer';
import { formatGrounding } from '../../../src/core/protocol/format-call';
import { renderPrompt, systemPromptOf } from '../../../src/core/protocol/render';
import { replayTrajectory } from '../../../src/core/protocol/replay';
import { assistantMessage, feedbackMessage, questionMessage, systemMessage } from '../../../src/core/search/conversation';
import type { Trajectory } from '../../../src/core/trajectory/schema';
import { QWEN2_VL_CHAT_TEMPLATE, tinyTokenizerConfig, tinyTokenizerJson } from '../../support/tiny-tokenizer';

const tokenizer = new ChatTokenizer({
  tokenizerJson: tinyTokenizerJson(),
  tokenizerConfig: tinyTokenizerConfig(),
  chatTemplate: QWEN2_VL_CHAT_TEMPLATE,
  templateFile: 'chat_template.json',
});

/** A scripted search: crop of the original, an invalid call, a crop of observation_1, then the answer. */
function scriptedTrajectory(): Trajectory {
  return {
    id: 'probe-7#0',
    task: { id: 'probe-7', question: '<image>\nWhat is written on the small yellow sign?', images: ['images/probe-7.jpg'], answer: 'K7Q2' },
    turns: [
      { text: `<think>The sign is at the lower right.</think>\n${formatGrounding([0.5, 0.5, 1, 1], 'original_image')}` },
      { text: '<think>Zoom more.</think>\n<grounding>{"bbox_2d": [0.2, 0.3], "source": "observation_1"}</grounding>' },
      { text: `<think>Closer.</think>\n${formatGrounding([0.25, 0.25, 0.75, 0.75], 'observation_1')}` },
      { text: '<think>It reads K7Q2.</think>\n<answer>K7Q2</answer>' },
    ],
  };
}

/** The messages the agent loop sends before generating turn `upTo`, as conversation.ts builds them. */
function loopMessages(t: Trajectory, upTo: number): { messages: PolicyMessage[]; images: number } {
  const replay = replayTrajectory({ ...t, turns: t.turns.slice(0, upTo) }, { originalSize: { width: 4000, height: 3000 } });
  const messages: PolicyMessage[] = [systemMessage(systemPromptOf(t)), questionMessage(t.task.question)];
  let images = 1;
  for (const r of replay.turns) {
    messages.push(assistantMessage(t.turns[r.index]!.text));
    if (r.feedback === null) continue;
    const withImage = r.observationIndex !== undefined;
    messages.push(feedbackMessage(r.feedback, withImage ? images : null));
    if (withImage) images++;
  }
  return { messages, images };
}

test('prompt: the chat template rebuilds Mini-o3\'s prompt byte for byte at every turn, image pads expanded', () => {
  const t = scriptedTrajectory();
  const counts = [42, 9, 16, 25];
  for (let upTo = 0; upTo <= 3; upTo++) {
    const { messages, images } = loopMessages(t, upTo);
    const replay = replayTrajectory({ ...t, turns: t.turns.slice(0, upTo) }, { originalSize: { width: 4000, height: 3000 } });
    const expected = expandImagePads(renderPrompt({ ...t, turns: t.turns.slice(0, upTo) }, replay), counts.slice(0, images));
    const actual = tokenizer.promptText(messages, counts.slice(0, images));
    assert.equal(actual, expected, `prompt before turn ${upTo}`);
    assert.equal(actual.split('<|image_pad|>').length - 1, counts.slice(0, images).reduce((a, b) => a + b, 0));
  }
});

test('prompt: token ids with expanded pads equal tokenizing the expanded text; spans point at each image', () => {
  const t = scriptedTrajectory();
  const { messages, images } = loopMessages(t, 3);
  const counts = [42, 9, 16].slice(0, images);
  const encoded = tokenizer.encodePrompt(messages, counts);
  assert.deepEqual(encoded.ids, tokenizer.encode(tokenizer.promptText(messages, counts)));
  const pad = tokenizer.tokenId('<|image_pad|>')!;
  const start = tokenizer.tokenId('<|vision_start|>')!;
  assert.equal(encoded.imageSpans.length, images);
  for (const [k, span] of encoded.imageSpans.entries()) {
    assert.equal(span.image, k);
    assert.equal(span.length, counts[k]);
    assert.equal(encoded.ids[span.start - 1], start, 'a span follows <|vision_start|>');
    assert.ok(encoded.ids.slice(span.start, span.start + span.length).every((id) => id === pad));
    assert.notEqual(encoded.ids[span.start + span.length], pad);
  }
});

test('prompt: image count mismatches are refused', () => {
  const { messages } = loopMessages(scriptedTrajectory(), 1);
  assert.throws(() => tokenizer.encodePrompt(messages, [4]), /holds 2 <\|image_pad\|> but 1 images were given/);
  assert.throws(() => expandImagePads('a<|image_pad|>b', []), /holds 1 <\|image_pad\|> but 0 images/);
});
