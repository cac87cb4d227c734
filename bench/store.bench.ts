import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TrajectoryFile } from '../src/core/store';
import { writeLines } from './viewer-fixtures';

/**
 * Trajectory store: index speed, time to first record and peak RSS on a generated file of
 * ~10 KB trajectories (100k lines, ~1 GB, by default), against plain JSON.parse of the same lines.
 */
export interface StoreBenchOptions {
  lines?: number;
  /** Set by `npm run bench -- --quick`: 5000 lines. */
  quick?: boolean;
}

const DISTINCT_BODIES = 64;

function thinkText(seed: number, words: number): string {
  const vocabulary = ['the', 'sign', 'left', 'corner', 'small', 'text', 'crop', 'zoom', 'region', 'looks', 'blurry', 'red', 'building', 'window', 'need', 'closer', 'view', 'of', 'above', 'door'];
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(vocabulary[(seed * 7 + i * 13) % vocabulary.length] as string);
  return out.join(' ');
}

/** JSON of everything after `"id":"...",` for a trajectory with 10-30 turns (~10 KB). */
function trajectoryBody(seed: number): string {
  const turnCount = 10 + (seed % 21);
  const turns = Array.from({ length: turnCount }, (_, t) => {
    const x = ((seed + t) % 50) / 100;
    const box = [x, x / 2, x + 0.3, x / 2 + 0.4].map((v) => Number(v.toFixed(3)));
    const source = t === 0 ? 'original_image' : `observation_${t}`;
    const last = t === turnCount - 1;
    return {
      text: last
        ? `<think>${thinkText(seed + t, 40)}</think>\n<answer>red</answer>`
        : `<think>${thinkText(seed + t, 40)}</think>\n<grounding>{"bbox_2d": ${JSON.stringify(box)}, "source": "${source}"}</grounding>`,
      finish_reason: 'stop',
      observation: last ? undefined : { image: `obs/${seed}_${t}.jpg` },
      timing: { ms: 900 + t, first_token_ms: 120 },
      tokens: { prompt: 1200 + t * 300, completion: 80 + t },
    };
  });
  const body = JSON.stringify({
    format: 'mini-o3-studio/trajectory@1',
    task: { id: `task-${seed}`, question: '<image>\nWhat colour is the small sign above the door?', images: [`images/${seed}.jpg`], answer: 'red' },
    model: { name: 'Mini-o3-7B-v1', backend: 'vllm', sampling: { temperature: 1, top_p: 1 } },
    turns,
    outcome: { answer: 'red', correct: true, status: 'answered' },
  });
  return body.slice(1); // drop '{' so a fresh `{"id":"..",` can go in front
}

async function generate(filePath: string, lines: number): Promise<number> {
  const bodies = Array.from({ length: DISTINCT_BODIES }, (_, i) => Buffer.from(`${trajectoryBody(i)}\n`));
  return writeLines(filePath, lines, (i) => Buffer.concat([Buffer.from(`{"id":"traj-${i}",`), bodies[i % DISTINCT_BODIES] as Buffer]));
}

/** Reads the file in 1 MiB chunks and JSON.parses every line: the floor any reader pays. */
async function plainJsonParse(filePath: string): Promise<number> {
  let carry: Buffer = Buffer.alloc(0);
  let parsed = 0;
  for await (const chunk of fs.createReadStream(filePath, { highWaterMark: 1 << 20 })) {
    const data = carry.length > 0 ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    let start = 0;
    for (let at = data.indexOf(0x0a); at !== -1; at = data.indexOf(0x0a, start)) {
      JSON.parse(data.toString('utf8', start, at));
      parsed++;
      start = at + 1;
    }
    carry = data.subarray(start);
  }
  return parsed;
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
}

export async function run(opts: StoreBenchOptions = {}): Promise<Record<string, number | string>> {
  const lines = opts.lines ?? (opts.quick ? 5000 : 100_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'store-bench-'));
  const filePath = path.join(dir, 'bench.traj.jsonl');
  try {
    let t = performance.now();
    const bytes = await generate(filePath, lines);
    const generateSeconds = (performance.now() - t) / 1000;
    const mb = bytes / 1e6;

    collectGarbage();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 5);
    t = performance.now();
    let firstLinesMs = -1;
    const file = await TrajectoryFile.openStreaming(filePath, {
      onLines: () => {
        if (firstLinesMs < 0) firstLinesMs = performance.now() - t;
      },
    });
    const first = await file.get(0);
    const firstRecordMs = performance.now() - t;
    await file.ready;
    const indexSeconds = (performance.now() - t) / 1000;
    clearInterval(sampler);
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    if (!first.ok || file.lineCount !== lines) throw new Error(`bench file did not read back: ${file.lineCount} lines, first ok=${first.ok}`);

    let randomSum = 0;
    const randomReads = 1000;
    t = performance.now();
    for (let k = 0; k < randomReads; k++) {
      const record = await file.get((k * 7919) % lines);
      if (record.ok) randomSum++;
    }
    const randomGetUs = ((performance.now() - t) * 1000) / randomReads;

    t = performance.now();
    let valid = 0;
    for await (const record of file.records()) if (record.ok) valid++;
    const recordsSeconds = (performance.now() - t) / 1000;
    await file.close();
    if (valid !== lines || randomSum !== randomReads) throw new Error(`only ${valid} of ${lines} records were valid`);

    t = performance.now();
    const parsed = await plainJsonParse(filePath);
    const plainSeconds = (performance.now() - t) / 1000;
    if (parsed !== lines) throw new Error(`plain JSON.parse saw ${parsed} lines, expected ${lines}`);

    return {
      lines,
      file_mb: Number(mb.toFixed(1)),
      generate_s: generateSeconds,
      index_mb_per_s: mb / indexSeconds,
      index_s: indexSeconds,
      first_lines_ms: firstLinesMs,
      first_record_ms: firstRecordMs,
      rss_before_index_mb: rssBefore / 1e6,
      rss_peak_index_mb: rssPeak / 1e6,
      rss_peak_growth_index_mb: (rssPeak - rssBefore) / 1e6,
      offsets_mb: (lines * 8) / 1e6,
      max_rss_process_mb: (process.resourceUsage().maxRSS * 1024) / 1e6,
      random_get_us: randomGetUs,
      records_parse_validate_mb_per_s: mb / recordsSeconds,
      plain_json_parse_mb_per_s: mb / plainSeconds,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const lines = process.argv[2] ? Number(process.argv[2]) : undefined;
  run({ lines }).then((figures) => console.table(figures), (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
