import fs from 'node:fs';
import path from 'node:path';
import { SYSTEM_PROMPT, STOP_STRING, errorFeedback, observationPrompt } from '../../src/core/protocol/prompts';

/**
 * A tiny Qwen2-style tokenizer for tests: byte-level BPE with Qwen2's pre-tokenizer regex,
 * merges learned deterministically from Mini-o3's own prompt text, and Qwen's 14 special
 * tokens at `specialTokenBase ..+13` near the top of the vocabulary. Like Qwen's real 152064-row
 * embedding (tokenizer ids end at 151664), the last ids past the specials are unused by the tokenizer.
 * The defaults match `writeTinyCheckpoint` (vocab 1024, specials from vocab − 24).
 * Writes `tokenizer.json`, `tokenizer_config.json` and `chat_template.json` as Hugging Face
 * ships them for Qwen2.5-VL.
 */

/** Qwen2's pre-tokenizer split pattern (tokenizer.json of Qwen2/Qwen2.5, verbatim). */
export const QWEN2_SPLIT_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** Qwen2.5-VL's special tokens in their real order (151643 .. 151656). */
export const QWEN_SPECIAL_TOKENS = [
  '<|endoftext|>',
  '<|im_start|>',
  '<|im_end|>',
  '<|object_ref_start|>',
  '<|object_ref_end|>',
  '<|box_start|>',
  '<|box_end|>',
  '<|quad_start|>',
  '<|quad_end|>',
  '<|vision_start|>',
  '<|vision_end|>',
  '<|vision_pad|>',
  '<|image_pad|>',
  '<|video_pad|>',
] as const;
export type QwenSpecialToken = (typeof QWEN_SPECIAL_TOKENS)[number];

/**
 * The Qwen2-VL / Qwen2.5-VL chat template (`chat_template.json` of Qwen2.5-VL-7B-Instruct):
 * a default system turn when none is given, images as vision tokens, `add_vision_id` labels.
 */
export const QWEN2_VL_CHAT_TEMPLATE =
  "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}{% for message in messages %}{% if loop.first and message['role'] != 'system' %}<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}<|im_start|>{{ message['role'] }}\n{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n{% else %}{% for content in message['content'] %}{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}{% set image_count.value = image_count.value + 1 %}{% if add_vision_id %}Picture {{ image_count.value }}: {% endif %}<|vision_start|><|image_pad|><|vision_end|>{% elif content['type'] == 'video' or 'video' in content %}{% set video_count.value = video_count.value + 1 %}{% if add_vision_id %}Video {{ video_count.value }}: {% endif %}<|vision_start|><|video_pad|><|vision_end|>{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n{% endif %}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

export interface TinyTokenizerOptions {
  /** The model's vocabulary (embedding rows); every tokenizer id is below it. Default 1024. */
  vocabSize?: number;
  /** Id of `<|endoftext|>`; the other specials follow in Qwen's order. Default vocabSize − 24. */
  specialTokenBase?: number;
}

export const TINY_TOKENIZER_DEFAULT_VOCAB = 1024;

/** Vocabulary size and special-token base with defaults applied and checked. */
export function tinyTokenizerLayout(options: TinyTokenizerOptions = {}): { vocabSize: number; specialTokenBase: number } {
  const vocabSize = options.vocabSize ?? TINY_TOKENIZER_DEFAULT_VOCAB;
  const specialTokenBase = options.specialTokenBase ?? vocabSize - 24;
  if (!Number.isInteger(vocabSize) || !Number.isInteger(specialTokenBase) || specialTokenBase < 257) {
    throw new RangeError(`specialTokenBase ${specialTokenBase} must be an integer > 256 (256 byte tokens and at least one merge come first)`);
  }
  if (specialTokenBase + QWEN_SPECIAL_TOKENS.length > vocabSize) {
    throw new RangeError(`special tokens ${specialTokenBase}..${specialTokenBase + QWEN_SPECIAL_TOKENS.length - 1} do not fit a vocabulary of ${vocabSize}`);
  }
  return { vocabSize, specialTokenBase };
}

export interface TinyTokenizerFiles {
  /** The model vocabulary the ids fit in (the tokenizer itself uses ids below base + 14). */
  vocabSize: number;
  /** Id of each special token. */
  specialIds: Record<QwenSpecialToken, number>;
  files: { tokenizer: string; tokenizerConfig: string; chatTemplate: string };
}

/** GPT-2's bytes_to_unicode: every byte as a printable character (what ByteLevel uses). */
export function byteToUnicodeTable(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = printable.includes(b) ? String.fromCodePoint(b) : String.fromCodePoint(256 + extra++);
  }
  return table;
}

/** The special tokens' ids: `<|endoftext|>` at the base, the others after it in Qwen's order. */
export function tinySpecialIds(options: TinyTokenizerOptions = {}): Record<QwenSpecialToken, number> {
  const { specialTokenBase } = tinyTokenizerLayout(options);
  return Object.fromEntries(QWEN_SPECIAL_TOKENS.map((token, i) => [token, specialTokenBase + i])) as Record<QwenSpecialToken, number>;
}

/** Text the merges are learned from: what a Mini-o3 conversation is made of. */
function trainingCorpus(): string {
  const call = '<grounding>{"bbox_2d": [0.12, 0.34, 0.56, 0.78], "source": "original_image"}</grounding>';
  return [
    SYSTEM_PROMPT,
    observationPrompt(0, 1, ''),
    errorFeedback('the bbox is out of range'),
    `<think>The sign is small, so I zoom in on the observation.</think>\n${call}`,
    '<think>Now I can read it clearly.</think>\n<answer>K7Q2</answer>',
    `\nWhat is written on the small yellow sign with a red border?\nQuestion: what colour is the car? ${STOP_STRING}`,
  ].join('\n');
}

/** Pre-tokenized words of the corpus in byte-level form (the Split + ByteLevel steps). */
function corpusWords(text: string, byteChars: string[]): string[][] {
  const pattern = new RegExp(QWEN2_SPLIT_REGEX.replace("(?i:'s|'t|'re|'ve|'m|'ll|'d)", "'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD]"), 'gu');
  const words: string[][] = [];
  for (const match of text.normalize('NFC').matchAll(pattern)) {
    words.push([...Buffer.from(match[0], 'utf8')].map((b) => byteChars[b]!));
  }
  return words;
}

/** Classic BPE training: merge the most frequent adjacent pair (ties: the smaller pair string). */
function learnMerges(words: string[][], count: number): [string, string][] {
  const merges: [string, string][] = [];
  let current = words.map((w) => [...w]);
  while (merges.length < count) {
    const counts = new Map<string, number>();
    for (const word of current) {
      for (let i = 0; i + 1 < word.length; i++) {
        const key = `${word[i]}\u0000${word[i + 1]}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    let best: string | null = null;
    let bestCount = 0;
    for (const [key, n] of counts) {
      if (n > bestCount || (n === bestCount && best !== null && key < best)) {
        best = key;
        bestCount = n;
      }
    }
    if (best === null) break;
    const [left, right] = best.split('\u0000') as [string, string];
    merges.push([left, right]);
    current = current.map((word) => {
      const out: string[] = [];
      for (let i = 0; i < word.length; i++) {
        if (i + 1 < word.length && word[i] === left && word[i + 1] === right) {
          out.push(left + right);
          i++;
        } else {
          out.push(word[i]!);
        }
      }
      return out;
    });
  }
  return merges;
}

function byteLevel() {
  return { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
}

/** Builds the tokenizer.json object: byte tokens, merges up to the special-token base, specials. */
export function tinyTokenizerJson(options: TinyTokenizerOptions = {}): Record<string, unknown> {
  const { specialTokenBase } = tinyTokenizerLayout(options);
  const byteChars = byteToUnicodeTable();
  const vocab: Record<string, number> = {};
  byteChars.forEach((ch, id) => (vocab[ch] = id));
  const merges = learnMerges(corpusWords(trainingCorpus(), byteChars), specialTokenBase - 256);
  let nextId = 256;
  for (const [left, right] of merges) vocab[left + right] = nextId++;
  // A short corpus runs out of pairs: fill up to the specials with merges of non-ASCII bytes first
  // (two bytes, then a pair and a byte), so ids stay dense up to a real-sized vocabulary.
  const order = [...byteChars.slice(0x80), ...byteChars.slice(0, 0x80)];
  const add = (left: string, right: string): void => {
    if (nextId >= specialTokenBase || vocab[left + right] !== undefined) return;
    merges.push([left, right]);
    vocab[left + right] = nextId++;
  };
  for (const left of order) for (const right of order) add(left, right);
  for (const a of order) for (const b of order) for (const right of order) {
    if (nextId >= specialTokenBase) break;
    if (vocab[a + b] !== undefined) add(a + b, right);
  }
  const specialIds = tinySpecialIds(options);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: QWEN_SPECIAL_TOKENS.map((content) => ({
      id: specialIds[content],
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'NFC' },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: QWEN2_SPLIT_REGEX }, behavior: 'Isolated', invert: false },
        byteLevel(),
      ],
    },
    post_processor: byteLevel(),
    decoder: byteLevel(),
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: merges.map(([left, right]) => `${left} ${right}`),
    },
  };
}

/** tokenizer_config.json as Qwen2.5-VL ships it (the chat template lives in chat_template.json). */
export function tinyTokenizerConfig(options: TinyTokenizerOptions = {}): Record<string, unknown> {
  const specialIds = tinySpecialIds(options);
  const decoder: Record<string, unknown> = {};
  for (const content of QWEN_SPECIAL_TOKENS) {
    decoder[String(specialIds[content])] = {
      content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true,
    };
  }
  return {
    add_bos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: decoder,
    additional_special_tokens: QWEN_SPECIAL_TOKENS.filter((t) => t !== '<|endoftext|>' && t !== '<|im_end|>'),
    bos_token: null,
    clean_up_tokenization_spaces: false,
    eos_token: '<|im_end|>',
    errors: 'replace',
    model_max_length: 131072,
    pad_token: '<|endoftext|>',
    split_special_tokens: false,
    tokenizer_class: 'Qwen2Tokenizer',
    unk_token: null,
  };
}

/** Writes the three tokenizer files into `dir` (created if needed). */
export function writeTinyTokenizer(dir: string, options: TinyTokenizerOptions = {}): TinyTokenizerFiles {
  const { vocabSize } = tinyTokenizerLayout(options);
  fs.mkdirSync(dir, { recursive: true });
  const files = {
    tokenizer: path.join(dir, 'tokenizer.json'),
    tokenizerConfig: path.join(dir, 'tokenizer_config.json'),
    chatTemplate: path.join(dir, 'chat_template.json'),
  };
  fs.writeFileSync(files.tokenizer, JSON.stringify(tinyTokenizerJson(options)));
  fs.writeFileSync(files.tokenizerConfig, JSON.stringify(tinyTokenizerConfig(options), null, 2));
  fs.writeFileSync(files.chatTemplate, JSON.stringify({ chat_template: QWEN2_VL_CHAT_TEMPLATE }, null, 2));
  return { vocabSize, specialIds: tinySpecialIds(options), files };
}
