import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import {
  QWEN2_SPLIT_REGEX,
  QWEN_SPECIAL_TOKENS,
  byteToUnicodeTable,
  tinySpecialIds,
  tinyTokenizerConfig,
  tinyTokenizerJson,
  writeTinyTokenizer,
} from '../../support/tiny-tokenizer';
import { SYSTEM_PROMPT } from '../../../src/core/protocol/prompts';

/** An independent byte-level BPE: split with Qwen2's pattern, map bytes, merge by rank. */
function referenceEncode(json: Record<string, unknown>, text: string): number[] {
  const model = json.model as { vocab: Record<string, number>; merges: string[] };
  const ranks = new Map(model.merges.map((m, i) => [m, i]));
  const specials = (json.added_tokens as { id: number; content: string }[]).sort((a, b) => b.content.length - a.content.length);
  const chars = byteToUnicodeTable();
  const pattern = new RegExp(QWEN2_SPLIT_REGEX.replace("(?i:'s|'t|'re|'ve|'m|'ll|'d)", "'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]"), 'gu');
  const ids: number[] = [];
  const encodePlain = (plain: string) => {
    for (const match of plain.normalize('NFC').matchAll(pattern)) {
      let word = [...Buffer.from(match[0], 'utf8')].map((b) => chars[b]!);
      for (;;) {
        let best = -1;
        let bestRank = Infinity;
        for (let i = 0; i + 1 < word.length; i++) {
          const rank = ranks.get(`${word[i]} ${word[i + 1]}`);
          if (rank !== undefined && rank < bestRank) {
            bestRank = rank;
            best = i;
          }
        }
        if (best < 0) break;
        word = [...word.slice(0, best), word[best]! + word[best + 1]!, ...word.slice(best + 2)];
      }
      for (const piece of word) ids.push(model.vocab[piece]!);
    }
  };
  let rest = text;
  while (rest !== '') {
    let at = -1;
    let found: { id: number; content: string } | null = null;
    for (const s of specials) {
      const i = rest.indexOf(s.content);
      if (i >= 0 && (at < 0 || i < at)) {
        at = i;
        found = s;
      }
    }
    if (!found) {
      encodePlain(rest);
      break;
    }
    encodePlain(rest.slice(0, at));
    ids.push(found.id);
    rest = rest.slice(at + found.content.length);
  }
  return ids;
}

const SAMPLES = [
  `<|im_start|>system\n${SYSTEM_PROMPT}<|im_end|>\n<|im_start|>user\n<|vision_start|><|image_pad|><|image_pad|><|vision_end|>\nWhat is on the sign?<|im_end|>\n<|im_start|>assistant\n`,
  '<think>It\'s small; THEY\'LL zoom.</think>\n<grounding>{"bbox_2d": [0.125, 0.5, 1.0, 0.75], "source": "observation_2"}</grounding>',
  'Héllo wörld 1234 😀 café\r\n\n   tabs\tand  spaces  ',
  '日本語のテキスト and decomposed e\u0301',
];

test('tiny tokenizer: ids agree with an independent BPE, decode round-trips, specials sit at the checkpoint ids', () => {
  const json = tinyTokenizerJson({ vocabSize: 1024 });
  const tokenizer = new Tokenizer(json, tinyTokenizerConfig({ vocabSize: 1024 }));
  for (const text of SAMPLES) {
    const ids = tokenizer.encode(text, { add_special_tokens: false }).ids;
    assert.deepEqual(ids, referenceEncode(json, text), `ids of ${JSON.stringify(text.slice(0, 40))}`);
    assert.equal(tokenizer.decode(ids), text.normalize('NFC'));
    assert.ok(ids.every((id) => id < 1024));
  }
  const specials = tinySpecialIds({ vocabSize: 1024 });
  assert.equal(specials['<|endoftext|>'], 1000, 'like writeTinyCheckpoint: specials from vocab − 24');
  assert.equal(specials['<|image_pad|>'], 1012);
  for (const token of QWEN_SPECIAL_TOKENS) assert.equal(tokenizer.token_to_id(token), specials[token]);
  // The merges learned from Mini-o3's text compress it: fewer tokens than bytes.
  const prompt = tokenizer.encode(SYSTEM_PROMPT).ids;
  assert.ok(prompt.length < Buffer.byteLength(SYSTEM_PROMPT) / 2, `${prompt.length} tokens for ${Buffer.byteLength(SYSTEM_PROMPT)} bytes`);
});

test('tiny tokenizer: other sizes and bases; impossible layouts are refused', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tiny-tok-'));
  const written = writeTinyTokenizer(dir, { vocabSize: 512, specialTokenBase: 498 });
  assert.deepEqual(fs.readdirSync(dir).sort(), ['chat_template.json', 'tokenizer.json', 'tokenizer_config.json']);
  const tokenizer = new Tokenizer(JSON.parse(fs.readFileSync(written.files.tokenizer, 'utf8')), JSON.parse(fs.readFileSync(written.files.tokenizerConfig, 'utf8')));
  assert.equal(tokenizer.token_to_id('<|video_pad|>'), 511);
  assert.equal(tokenizer.get_vocab(true).size, 512);
  const config = JSON.parse(fs.readFileSync(written.files.tokenizerConfig, 'utf8')) as { eos_token: string; add_bos_token: boolean };
  assert.equal(config.eos_token, '<|im_end|>');
  assert.equal(config.add_bos_token, false);
  assert.throws(() => tinyTokenizerJson({ vocabSize: 260 }), /do not fit|must be an integer > 256/);
  assert.throws(() => tinyTokenizerJson({ vocabSize: 1024, specialTokenBase: 1020 }), /1020\.\.1033 do not fit a vocabulary of 1024/);
  fs.rmSync(dir, { recursive: true, force: true });
});
