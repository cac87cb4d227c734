import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { exportDataset } from '../src/core/export';
import { formatGrounding } from '../src/core/protocol/format-call';
import type { Trajectory } from '../src/core/trajectory/schema';

/**
 * SFT export: N accepted trajectories (10k; quick 500) over 50 generated 2000x1500 JPEG
 * originals, ~3 crops each (one a crop of a crop), exported to LLaMA-Factory. Reports crops per
 * second end to end (decode via the cache, crop, Mini-o3 rescale, PNG encode, write), total
 * seconds and peak RSS.
 */
export interface ExportBenchOptions {
  trajectories?: number;
  quick?: boolean;
}

const ORIGINALS = 50;
const WIDTH = 2000;
const HEIGHT = 1500;

async function makeOriginal(file: string, seed: number): Promise<void> {
  const data = Buffer.alloc(WIDTH * HEIGHT * 3);
  let state = seed * 2654435761 >>> 0 || 1;
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      const i = (y * WIDTH + x) * 3;
      const noise = state >>> 28;
      data[i] = ((x >> 3) + seed * 17 + noise) & 255;
      data[i + 1] = ((y >> 3) + seed * 31 + noise) & 255;
      data[i + 2] = (((x + y) >> 4) + noise) & 255;
    }
  }
  await sharp(data, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).jpeg({ quality: 85 }).toFile(file);
}

function trajectoryFor(k: number): Trajectory {
  const r = (n: number) => ((k * 7919 + n * 104729) % 1000) / 1000;
  const x = 0.05 + r(1) * 0.5;
  const y = 0.05 + r(2) * 0.5;
  const w = 0.1 + r(3) * 0.35;
  const h = 0.1 + r(4) * 0.35;
  const box = (a: number, b: number, c: number, d: number) => [a, b, c, d].map((v) => Number(v.toFixed(3)));
  const think = (s: string) => `<think>${s} region ${k}, looking for the small sign</think>\n`;
  const turns = [
    think('first') + formatGrounding(box(x, y, x + w, y + h), 'original_image'),
    think('closer') + formatGrounding(box(0.2, 0.2, 0.8, 0.8), 'observation_1'),
    think('other side') + formatGrounding(box(1 - x - w, 1 - y - h, 1 - x, 1 - y), 'original_image'),
    `${think('found it')}<answer>red</answer>`,
  ];
  return {
    id: `bench-${k}`,
    task: { id: `task-${k}`, question: '<image>\nWhat colour is the small sign above the door?', images: [`images/o${k % ORIGINALS}.jpg`], answer: 'red' },
    turns: turns.map((text) => ({ text })),
    review: { status: 'accepted' },
  };
}

export async function run(opts: ExportBenchOptions = {}): Promise<Record<string, number | string>> {
  const count = opts.trajectories ?? (opts.quick ? 500 : 10_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'export-bench-'));
  try {
    fs.mkdirSync(path.join(dir, 'images'));
    let t = performance.now();
    for (let i = 0; i < ORIGINALS; i++) await makeOriginal(path.join(dir, 'images', `o${i}.jpg`), i + 1);
    const lines: string[] = [];
    for (let k = 0; k < count; k++) lines.push(JSON.stringify(trajectoryFor(k)));
    const inFile = path.join(dir, 'bench.traj.jsonl');
    fs.writeFileSync(inFile, `${lines.join('\n')}\n`);
    const generateSeconds = (performance.now() - t) / 1000;

    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
    t = performance.now();
    const report = await exportDataset({ format: 'llamafactory', inFile, outDir: path.join(dir, 'out') });
    const seconds = (performance.now() - t) / 1000;
    clearInterval(sampler);
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    if (report.exported !== count) throw new Error(`exported ${report.exported} of ${count}: ${JSON.stringify(report.refused.slice(0, 3))}`);
    const crops = report.counts.cropImages;
    return {
      trajectories: count,
      originals: `${ORIGINALS} x ${WIDTH}x${HEIGHT} jpeg`,
      crops,
      generate_s: generateSeconds,
      export_s: seconds,
      crops_per_s: crops / seconds,
      trajectories_per_s: count / seconds,
      rss_before_mb: rssBefore / 1e6,
      rss_peak_mb: rssPeak / 1e6,
      max_rss_process_mb: (process.resourceUsage().maxRSS * 1024) / 1e6,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
