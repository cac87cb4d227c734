import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Limits } from '../src/core/trajectory/schema';

/**
 * Trajectory files for the viewer bench: valid Mini-o3 trajectories (they replay, so rows get
 * real statuses) over real image files, written fast.
 */

export interface BenchImage {
  /** Relative to the trajectory file's folder. */
  relative: string;
  width: number;
  height: number;
}

const WORDS = ['the', 'sign', 'left', 'corner', 'small', 'text', 'crop', 'zoom', 'region', 'looks', 'blurry', 'red', 'building', 'window', 'need', 'closer', 'view', 'of', 'above', 'door', 'yellow', 'border', 'street', 'read'];

function thinkText(seed: number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[(seed * 7 + i * 13 + (i >> 3)) % WORDS.length]!);
  return out.join(' ');
}

/**
 * JPEG files of VisualProbe-like sizes. Indexing reads only their headers, so by default they are
 * flat grey (fast to write); `noise` makes pictures worth decoding, for thumbnails.
 */
export async function writeBenchImages(
  dir: string,
  count: number,
  options: { size?: { width: number; height: number }; prefix?: string; noise?: boolean } = {},
): Promise<BenchImage[]> {
  const { size, prefix = 'bench', noise = false } = options;
  fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
  const images: BenchImage[] = [];
  for (let i = 0; i < count; i++) {
    const width = size?.width ?? 2400 + (i % 5) * 400;
    const height = size?.height ?? 1800 + (i % 3) * 300;
    const relative = `images/${prefix}-${i}.jpg`;
    const noiseOption = noise ? { noise: { type: 'gaussian' as const, mean: 128, sigma: 40 } } : {};
    await sharp({ create: { width, height, channels: 3, background: '#808080', ...noiseOption } })
      .jpeg({ quality: 70 })
      .toFile(path.join(dir, relative));
    images.push({ relative, width, height });
  }
  return images;
}

/** Every this many turns a rollout goes back to the original image (a detour); otherwise it crops its last crop. */
const DETOUR_EVERY = 8;

/**
 * Turn `turn`'s crop: a box covering 80% of the side of the image it crops (the previous crop,
 * or the original at a detour), placed differently for every (rollout, turn). So each rollout is
 * a few chains of crops-of-crops under the root: a deep tree, as in Mini-o3's searches.
 */
function cropCall(rollout: number, turn: number): { box: number[]; source: string } {
  const x = ((rollout * 37 + turn * 11) % 21) / 100;
  const y = ((rollout * 23 + turn * 17) % 21) / 100;
  const box = [x, y, x + 0.79, y + 0.79].map((v) => Number(v.toFixed(3)));
  return { box, source: turn % DETOUR_EVERY === 0 ? 'original_image' : `observation_${turn}` };
}

export interface RolloutSpec {
  id: string;
  taskId: string;
  image: BenchImage;
  /** Crop turns before the answer turn. */
  crops: number;
  rollout: number;
  thinkWords: number;
  limits?: Limits;
  answer: string;
}

/** One trajectory: `crops` crop calls on the original image, then an answer. */
export function rolloutTrajectory(spec: RolloutSpec): Record<string, unknown> {
  const turns: Record<string, unknown>[] = [];
  for (let t = 0; t < spec.crops; t++) {
    const call = cropCall(spec.rollout, t);
    turns.push({
      text: `<think>${thinkText(spec.rollout * 131 + t, spec.thinkWords)}</think>\n<grounding>{"bbox_2d": ${JSON.stringify(call.box)}, "source": "${call.source}"}</grounding>`,
      finish_reason: 'stop',
      timing: { ms: 900 + t, first_token_ms: 120 },
      tokens: { prompt: 1200 + t * 300, completion: 80 + t },
    });
  }
  const answer = spec.rollout % 3 === 0 ? 'blue' : spec.answer;
  turns.push({ text: `<think>${thinkText(spec.rollout, spec.thinkWords)}</think>\n<answer>${answer}</answer>`, finish_reason: 'stop' });
  return {
    format: 'mini-o3-studio/trajectory@1',
    id: spec.id,
    task: {
      id: spec.taskId,
      question: '<image>\nWhat colour is the small sign above the door?',
      images: [spec.image.relative],
      answer: spec.answer,
      image_size: { width: spec.image.width, height: spec.image.height },
      data_source: 'bench',
    },
    model: { name: 'bench-writer', backend: 'synthetic', synthetic: true },
    ...(spec.limits ? { limits: spec.limits } : {}),
    turns,
    outcome: { answer, correct: answer === spec.answer, status: 'answered' },
    review: { status: 'unreviewed' },
  };
}

/** Writes lines in 4 MiB blocks; returns the bytes written. */
export async function writeLines(filePath: string, count: number, lineAt: (index: number) => Buffer): Promise<number> {
  const out = fs.createWriteStream(filePath);
  let bytes = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async (): Promise<void> => {
    const block = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    if (!out.write(block)) await new Promise<void>((resolve) => out.once('drain', resolve));
  };
  for (let i = 0; i < count; i++) {
    const line = lineAt(i);
    pending.push(line);
    pendingBytes += line.length;
    bytes += line.length;
    if (pendingBytes >= 4 << 20) await flush();
  }
  await flush();
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return bytes;
}

const DISTINCT_BODIES = 64;

/**
 * A big file like a large RL run: `lines` trajectories of 10-30 turns (~10 KB each), Mini-o3's
 * default limits (so the longer ones are over-turn), ids all different. 64 distinct bodies are
 * repeated behind per-line ids, which keeps writing ~1 GB to a few seconds.
 */
export async function writeLargeRunFile(filePath: string, lines: number, images: readonly BenchImage[]): Promise<number> {
  const bodies = Array.from({ length: DISTINCT_BODIES }, (_, k) => {
    const value = rolloutTrajectory({
      id: 'x',
      taskId: `task-${k}`,
      image: images[k % images.length]!,
      crops: 9 + (k % 21),
      rollout: k,
      thinkWords: 48,
      answer: 'red',
    });
    // Everything after `{"id":"x",`, so that a fresh `{"id":"...",` can go in front.
    return Buffer.from(`${JSON.stringify(value).replace('"id":"x",', '').slice(1)}\n`);
  });
  return writeLines(filePath, lines, (i) => Buffer.concat([Buffer.from(`{"id":"run-${i}",`), bodies[i % DISTINCT_BODIES]!]));
}

/** One task searched by `rollouts` rollouts of `crops` crops + an answer each: a tree of rollouts × (crops + 1) nodes + the root. */
export async function writeRolloutTreeFile(filePath: string, rollouts: number, crops: number, image: BenchImage): Promise<number> {
  const limits: Limits = { max_turns: crops + 1, max_images: crops + 1, min_pixels: 40_000, max_pixels: 2_000_000, max_context: 100_000_000 };
  return writeLines(filePath, rollouts, (r) =>
    Buffer.from(`${JSON.stringify(rolloutTrajectory({ id: `tree-${r}`, taskId: 'tree-task', image, crops, rollout: r, thinkWords: 30, limits, answer: 'red' }))}\n`),
  );
}
