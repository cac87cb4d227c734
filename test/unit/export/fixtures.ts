// Builds small export fixtures in a temp folder: generated PNG originals and hand-written trajectories.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { formatGrounding } from '../../../src/core/protocol/format-call';
import type { Box4, Limits, Trajectory } from '../../../src/core/trajectory/schema';

export interface RawImage {
  width: number;
  height: number;
  data: Buffer;
}

/** Deterministic noisy RGB pixels, so any off-by-one in a crop shows. */
export function noisyPixels(width: number, height: number, seed: number): RawImage {
  const data = Buffer.alloc(width * height * 3);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = state >>> 24;
  }
  return { width, height, data };
}

export async function writePng(file: string, img: RawImage): Promise<void> {
  await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).png().toFile(file);
}

export async function readPng(file: string): Promise<RawImage> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

/** The pixels of [x0,x1) x [y0,y1) of an image, computed here independently of the exporter. */
export function cropRaw(img: RawImage, box: Box4): RawImage {
  const [x0, y0, x1, y1] = box;
  const width = x1 - x0;
  const height = y1 - y0;
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) img.data.copy(data, y * width * 3, ((y0 + y) * img.width + x0) * 3, ((y0 + y) * img.width + x1) * 3);
  return { width, height, data };
}

export const think = (s: string): string => `<think>${s}</think>\n`;
export const cropTurn = (bbox: number[], source: string, why = 'zoom in'): string => think(why) + formatGrounding(bbox, source);
export const answerTurn = (a: string): string => `${think('found it')}<answer>${a}</answer>`;

export const QUESTION = '<image>\nQuestion: What is written on the yellow sign?';

export function trajectory(id: string, texts: string[], extra: Partial<Trajectory> = {}): Trajectory {
  return {
    id,
    task: { id: `task-${id}`, question: QUESTION, images: ['images/original.png'], answer: 'K7Q2', data_source: 'visual_probe' },
    turns: texts.map((text) => ({ text })),
    review: { status: 'accepted' },
    ...extra,
  };
}

/** Limits that leave crops of a few hundred pixels unresized (min_pixels small). */
export const LOOSE_LIMITS: Limits = { max_turns: 12, max_images: 12, min_pixels: 1_000, max_pixels: 2_000_000, max_context: 32_768 };

export interface Dataset {
  root: string;
  dir: string;
  file: string;
  original: RawImage;
  originalPath: string;
}

export function tempRoot(prefix: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
  return root;
}

/** A dataset folder with one 800x600 original and the given trajectories (or raw lines). */
export async function makeDataset(root: string, lines: Array<Trajectory | string>, name = 'data'): Promise<Dataset> {
  const dir = path.join(root, name);
  fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
  const original = noisyPixels(800, 600, 7);
  const originalPath = path.join(dir, 'images', 'original.png');
  await writePng(originalPath, original);
  const file = path.join(dir, 'samples.traj.jsonl');
  fs.writeFileSync(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return { root, dir, file, original, originalPath };
}

/** Every file under a folder, relative, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.push(path.relative(dir, full).split(path.sep).join('/'));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}
