import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tokenizer } from '@huggingface/tokenizers';
import { TextStream } from '../../../src/core/model/onnx/text-stream';
import { tinyTokenizerConfig, tinyTokenizerJson } from '../../support/tiny-tokenizer';

const tokenizer = new Tokenizer(tinyTokenizerJson(), tinyTokenizerConfig());
const decode = (ids: readonly number[]) => tokenizer.decode([...ids], { skip_special_tokens: true, clean_up_tokenization_spaces: false });

function streamAll(ids: number[], stops: string[]) {
  const stream = new TextStream(decode, stops);
  const deltas: string[] = [];
  let stoppedAfter = -1;
  for (const [i, id] of ids.entries()) {
    const step = stream.push(id);
    if (step.delta !== '') deltas.push(step.delta);
    if (step.stopped) {
      stoppedAfter = i;
      break;
    }
  }
  const rest = stream.finish().delta;
  if (rest !== '') deltas.push(rest);
  return { stream, deltas, stoppedAfter };
}

test('text stream: multi-byte characters split over byte tokens are emitted whole; deltas add up to the decoded text', () => {
  const text = 'Zoom 😀 into café 日本 now.';
  const ids = tokenizer.encode(text, { add_special_tokens: false }).ids;
  assert.ok(ids.length > 10);
  const { stream, deltas } = streamAll(ids, []);
  assert.equal(deltas.join(''), text);
  assert.equal(stream.text, text);
  assert.ok(deltas.every((d) => !d.includes('\uFFFD')), 'no half characters');
  // The emoji is 4 byte tokens: nothing of it appears until its last byte.
  assert.ok(deltas.some((d) => d.includes('😀')));
});

test('text stream: stops at a stop string spread over tokens, keeps it, emits nothing after it', () => {
  const call = '<think>x</think>\n<grounding>{"bbox_2d": [0.1, 0.2, 0.3, 0.4], "source": "original_image"}</grounding>';
  const ids = tokenizer.encode(`${call}\nAND MORE TEXT`, { add_special_tokens: false }).ids;
  const { stream, deltas, stoppedAfter } = streamAll(ids, ['</grounding>']);
  assert.equal(stream.text, call);
  assert.equal(deltas.join(''), call);
  assert.equal(stream.stopString, '</grounding>');
  assert.ok(stoppedAfter < ids.length - 1, 'stopped before the end of the ids');
});

test('text stream: a stop string inside one token cuts that token; the earliest of several stops wins; specials decode to nothing', () => {
  const pieces = ['ab', 'cSTOPde', 'f'];
  const byPiece = new Map<number, string>(pieces.map((p, i) => [i, p]));
  const fakeDecode = (ids: readonly number[]) => ids.map((id) => byPiece.get(id) ?? '').join('');
  const stream = new TextStream(fakeDecode, ['de', 'STOP']);
  assert.deepEqual(stream.push(0), { delta: 'ab', stopped: false });
  assert.deepEqual(stream.push(1), { delta: 'cSTOP', stopped: true });
  assert.equal(stream.stopString, 'STOP');
  assert.deepEqual(stream.push(2), { delta: '', stopped: true });
  const imEnd = tokenizer.token_to_id('<|im_end|>')!;
  const plain = streamAll([...tokenizer.encode('done', { add_special_tokens: false }).ids, imEnd], []);
  assert.equal(plain.stream.text, 'done');
});

test('text stream: bytes that never complete a character come out as U+FFFD at the end, as Hugging Face decodes them', () => {
  const emoji = tokenizer.encode('😀', { add_special_tokens: false }).ids;
  const { deltas, stream } = streamAll(emoji.slice(0, 2), []);
  assert.equal(stream.text, decode(emoji.slice(0, 2)));
  assert.equal(deltas.join(''), stream.text);
});
