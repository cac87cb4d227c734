// The agent loop's own cost per turn, outside the model: parsing the call, cropping the decoded
// original, Mini-o3's resize and the PNG encoding for the request (SearchState.applyTurn), then
// whole searches against the loopback server with instant scripted replies. Target: p95 < 20 ms.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { DecodedImage } from '../src/core/imaging/decoded-image';
import { ImageCache } from '../src/core/imaging/cache';
import { OpenAiPolicy } from '../src/core/model/openai';
import { formatGrounding } from '../src/core/protocol/format-call';
import { runVisualSearch } from '../src/core/search';
import { SearchState } from '../src/core/search/search-state';
import { resolveSearchSettings } from '../src/core/search/settings';
import { estimateTokens } from '../src/core/search/token-accounting';
import { OpenAiTestServer } from '../test/support/openai-server';

const WIDTH = 1632;
const HEIGHT = 1224; // 1,997,568 pixels: just under Mini-o3's 2M max, so the original is sent as is

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Photo-like pixels (smooth gradients, texture, edges) so PNG sizes are realistic, unlike pure noise. */
function syntheticPhoto(width: number, height: number): DecodedImage {
  const data = Buffer.alloc(width * height * 3);
  let state = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      const noise = (state >>> 28) - 8;
      const i = (y * width + x) * 3;
      const block = ((x >> 6) + (y >> 6)) % 5 === 0 ? 60 : 0;
      data[i] = Math.max(0, Math.min(255, ((x * 255) / width) + noise + block));
      data[i + 1] = Math.max(0, Math.min(255, ((y * 255) / height) + noise));
      data[i + 2] = Math.max(0, Math.min(255, 128 + 60 * Math.sin(x / 40) * Math.cos(y / 55) + noise - block));
    }
  }
  return { width, height, channels: 3, data };
}

/** Eleven calls like a search makes (wide views, then details, crops of crops), then an answer. */
function searchScript(variant: number): string[] {
  const turns: string[] = [];
  const fractions = [0.5, 0.25, 0.1, 0.03];
  for (let i = 0; i < 11; i++) {
    const f = fractions[(i + variant) % fractions.length]!;
    const x0 = ((i * 0.37 + variant * 0.11) % 1) * (1 - f);
    const y0 = ((i * 0.61 + variant * 0.07) % 1) * (1 - f);
    const source = i >= 2 && i % 3 === 2 ? `observation_${i - 1}` : 'original_image';
    const box = source === 'original_image' ? [x0, y0, x0 + f, y0 + f] : [0.2, 0.2, 0.7, 0.7];
    turns.push(`<think>step ${i}: the sign may be here</think>\n${formatGrounding(box.map((v) => Math.round(v * 1000) / 1000), source)}`);
  }
  turns.push('<think>found it</think>\n<answer>K7Q2</answer>');
  return turns;
}

export async function run(opts: { quick?: boolean } = {}): Promise<Record<string, number | string>> {
  const searches = opts.quick ? 3 : 12;
  const original = syntheticPhoto(WIDTH, HEIGHT);
  const settings = resolveSearchSettings();

  // 1. applyTurn alone: the harness's reaction to one assistant turn.
  const turnSamples: number[] = [];
  for (let s = -1; s < searches; s++) {
    const state = await SearchState.start({ systemPrompt: 'S', question: '<image>\nQ', original, settings, count: estimateTokens });
    const script = searchScript(Math.max(0, s));
    for (let i = 0; i < script.length - 1; i++) {
      const start = performance.now();
      const step = await state.applyTurn(i, script[i]!, 'stop');
      if (s >= 0) turnSamples.push(performance.now() - start); // search -1 warms sharp and the JIT up
      if (step.ended) break;
    }
  }
  turnSamples.sort((a, b) => a - b);

  // 2. Whole searches against the loopback server: the loop's share is the wall time not spent in generate().
  const dir = mkdtempSync(join(tmpdir(), 'mini-o3-bench-'));
  mkdirSync(join(dir, 'images'));
  await sharp(original.data, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).png({ compressionLevel: 1 }).toFile(join(dir, 'images', 'photo.png'));
  const server = await OpenAiTestServer.start({ lifetimeMs: 600_000, maxRequests: 100_000 });
  const cache = new ImageCache({ maxBytes: 64 * 1024 * 1024 });
  const policy = new OpenAiPolicy({ url: server.url, model: 'bench' });
  const loopShare: number[] = [];
  const generateMs: number[] = [];
  const requestBytes: number[] = [];
  try {
    for (let s = 0; s < searches; s++) {
      const question = `<image>\nWhat is written on sign ${s}?`;
      server.conversation(`sign ${s}?`, searchScript(s).map((text) => ({ text, chunkChars: 64 })));
      const start = performance.now();
      const t = await runVisualSearch({
        task: { id: `b${s}`, question, images: ['images/photo.png'] }, baseDir: dir, policy, imageCache: cache,
      });
      const wall = performance.now() - start;
      if (t.outcome?.status !== 'answered') throw new Error(`search ${s} ended ${t.outcome?.status}: ${t.outcome?.error ?? ''}`);
      const inModel = t.turns.reduce((sum, turn) => sum + (turn.timing?.ms ?? 0), 0);
      loopShare.push((wall - inModel) / t.turns.length);
      for (const turn of t.turns) generateMs.push(turn.timing?.ms ?? 0);
    }
    for (const req of server.requests) requestBytes.push(req.rawBody.length);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  loopShare.sort((a, b) => a - b);
  generateMs.sort((a, b) => a - b);
  requestBytes.sort((a, b) => a - b);
  return {
    original: `${WIDTH}x${HEIGHT}`,
    turns_measured: turnSamples.length,
    apply_turn_p50_ms: percentile(turnSamples, 50),
    apply_turn_p95_ms: percentile(turnSamples, 95),
    apply_turn_max_ms: turnSamples.at(-1) ?? Number.NaN,
    search_loop_share_per_turn_p50_ms: percentile(loopShare, 50),
    search_loop_share_per_turn_p95_ms: percentile(loopShare, 95),
    loopback_generate_p50_ms: percentile(generateMs, 50),
    loopback_generate_p95_ms: percentile(generateMs, 95),
    request_mb_p50: percentile(requestBytes, 50) / 1e6,
    request_mb_max: (requestBytes.at(-1) ?? Number.NaN) / 1e6,
  };
}
