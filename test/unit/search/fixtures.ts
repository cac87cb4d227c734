import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { formatGrounding } from '../../../src/core/protocol/format-call';
import type { Task } from '../../../src/core/trajectory/schema';

export interface Workspace {
  dir: string;
  task: Task;
  imagePath: string;
  cleanup(): void;
}

/** Deterministic pseudo-random RGB pixels: every crop differs from every other. */
export function noisePixels(width: number, height: number, seed = 7): Buffer {
  const data = Buffer.alloc(width * height * 3);
  let state = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    data[i] = (state >>> 24) & 0xff;
  }
  return data;
}

/** A temp folder with `images/<id>.png` (lossless, so decoded pixels are known) and its task. */
export async function makeWorkspace(options: { width?: number; height?: number; question?: string; answer?: string; id?: string } = {}): Promise<Workspace> {
  const width = options.width ?? 320;
  const height = options.height ?? 240;
  const id = options.id ?? 'task-1';
  const dir = mkdtempSync(join(tmpdir(), 'mini-o3-search-'));
  mkdirSync(join(dir, 'images'));
  const imagePath = join(dir, 'images', `${id}.png`);
  await sharp(noisePixels(width, height), { raw: { width, height, channels: 3 } }).png({ compressionLevel: 1 }).toFile(imagePath);
  const task: Task = {
    id,
    question: options.question ?? '<image>\nWhat is written on the small yellow sign?',
    images: [`images/${id}.png`],
    answer: options.answer ?? 'K7Q2',
  };
  return { dir, task, imagePath, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const think = (s: string): string => `<think>${s}</think>\n`;
export const cropTurn = (bbox: number[], source: string, why = 'zoom in'): string => think(why) + formatGrounding(bbox, source);
export const answerTurn = (answer: string): string => `${think('found it')}<answer>${answer}</answer>`;

/** crop, crop of a crop, non-existent source, bbox of 3 numbers, crop of the first crop, answer. */
export const SCRIPT = [
  cropTurn([0.5, 0.5, 1.0, 1.0], 'original_image', 'the sign is bottom right'),
  cropTurn([0.0, 0.0, 0.5, 0.5], 'observation_1', 'closer'),
  cropTurn([0.1, 0.1, 0.2, 0.2], 'observation_9', 'a wrong source'),
  `${think('bad call')}<grounding>{"bbox_2d": [0.1, 0.2, 0.3], "source": "original_image"}</grounding>`,
  cropTurn([0.25, 0.25, 0.75, 0.75], 'observation_1', 'back to the first view'),
  answerTurn('K7Q2'),
];
