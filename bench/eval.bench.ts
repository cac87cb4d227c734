import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { OpenAiTestServer } from '../test/support/openai-server';
import { OpenAiPolicy } from '../src/core/model/openai';
import { runEvalBatch } from '../src/core/eval/batch-run';
import { loadEvalTasks, withImageSizes } from '../src/core/eval/eval-tasks';
import { exactJudge } from '../src/core/eval/judge';
import { writeSynthDataset, type VisualProbeRow } from '../src/core/synth';
import type { Trajectory } from '../src/core/trajectory/schema';

/**
 * Eval batch engine: N synthetic tasks (1000; quick 100) over 8 shared 800x600 PNG originals,
 * run against the loopback OpenAI-compatible test server (same process) that replies at once
 * with scripted turns: 2, 3 or 4 turns per task (1-3 crops, each a crop of the last), streamed.
 * Reports tasks and turns per second at concurrency 64 (quick 16), and the loop's own time per
 * turn (rollout wall time minus the time spent waiting for the model), at that concurrency and
 * alone (concurrency 1). Every trajectory is judged (exact) and appended as in `eval`.
 * Server and engine share one Node process, so the loaded per-turn time includes waiting for
 * the event loop; `cpu_ms_per_turn_engine_and_server` (process CPU time / turns, both sides)
 * is the figure least moved by other load on the machine.
 */
export interface EvalBenchOptions {
  tasks?: number;
  concurrency?: number;
  quick?: boolean;
}

const ORIGINALS = 8;
const CALL = (source: string) => `<think>Too small to read; zoom in on the sign.</think>\n<grounding>{"bbox_2d": [0.25, 0.25, 0.75, 0.75], "source": "${source}"}</grounding>`;
const ANSWER = (answer: string) => `<think>Now it is readable.</think>\n<answer>${answer}</answer>`;

function script(turns: number, answer: string): string[] {
  const calls = Array.from({ length: turns - 1 }, (_, i) => CALL(i === 0 ? 'original_image' : `observation_${i}`));
  return [...calls, ANSWER(answer)];
}

interface Timing {
  rolloutMs: number[];
  modelMs: number[];
  turns: number[];
}

async function runOnce(dir: string, tasksFile: string, server: OpenAiTestServer, concurrency: number, outName: string) {
  const outFile = path.join(dir, outName);
  const set = await loadEvalTasks(tasksFile, { outFile });
  const tasks = await withImageSizes(set, dir, []);
  const timing: Timing = { rolloutMs: [], modelMs: [], turns: [] };
  const onWritten = (_: unknown, t: Trajectory) => {
    // The test server keeps every request body (images included); drop them so RSS is the engine's.
    server.requests.length = 0;
    const started = Date.parse(t.created_at ?? '');
    timing.rolloutMs.push(Date.now() - started);
    timing.modelMs.push(t.turns.reduce((sum, turn) => sum + (turn.timing?.ms ?? 0), 0));
    timing.turns.push(t.turns.length);
  };
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const result = await runEvalBatch({
    tasks, baseDir: dir, outFile, policy: new OpenAiPolicy({ url: server.url, model: 'scripted', retries: 0 }),
    maxTurns: [12], rollouts: 1, concurrency, settings: {}, runKey: 'bench', judge: exactJudge, done: new Set(), onWritten,
  });
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  if (result.written !== tasks.length) throw new Error(`only ${result.written} of ${tasks.length} written; first failure: ${result.failures[0]?.message}`);
  const lines = fs.readFileSync(outFile, 'utf8').split('\n').filter(Boolean).length;
  if (lines !== tasks.length) throw new Error(`${lines} lines in ${outFile}, expected ${tasks.length}`);
  const turns = timing.turns.reduce((a, b) => a + b, 0);
  const overheadMs = timing.rolloutMs.reduce((a, b) => a + b, 0) - timing.modelMs.reduce((a, b) => a + b, 0);
  const cpuPerTurnMs = (cpu.user + cpu.system) / 1000 / turns;
  return { seconds, tasks: tasks.length, turns, cpuPerTurnMs, overheadPerTurnMs: overheadMs / turns, modelPerTurnMs: timing.modelMs.reduce((a, b) => a + b, 0) / turns };
}

export async function run(options: EvalBenchOptions = {}): Promise<Record<string, number | string>> {
  const taskCount = options.tasks ?? (options.quick ? 100 : 1000);
  const concurrency = options.concurrency ?? (options.quick ? 16 : 64);
  const alone = Math.min(taskCount, options.quick ? 20 : 100);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mini-o3-eval-bench-'));
  const server = await OpenAiTestServer.start({ maxRequests: 10 * taskCount + 1000, lifetimeMs: 30 * 60_000 });
  try {
    const dataset = await writeSynthDataset(dir, { tasks: ORIGINALS, seed: 3, width: [800, 800], height: [600, 600], format: 'png' });
    const originals = JSON.parse(fs.readFileSync(dataset.tasksFile, 'utf8')) as VisualProbeRow[];
    const rows = Array.from({ length: taskCount }, (_, i) => {
      const base = originals[i % ORIGINALS] as VisualProbeRow;
      const turns = 2 + (i % 3);
      server.conversation(`(task ${i})`, script(turns, base.solution));
      return { ...base, doc_id: `bench-${i}`, problem: `${base.problem} (task ${i})` };
    });
    const tasksFile = path.join(dir, 'bench-tasks.json');
    fs.writeFileSync(tasksFile, JSON.stringify(rows));

    const rssBefore = process.memoryUsage().rss;
    const loaded = await runOnce(dir, tasksFile, server, concurrency, 'loaded.traj.jsonl');
    const rssAfter = process.memoryUsage().rss;
    const aloneRows = rows.slice(0, alone);
    const aloneFile = path.join(dir, 'alone-tasks.json');
    fs.writeFileSync(aloneFile, JSON.stringify(aloneRows));
    const single = await runOnce(dir, aloneFile, server, 1, 'alone.traj.jsonl');
    return {
      tasks: loaded.tasks,
      originals: `${ORIGINALS} x 800x600 png`,
      turns: loaded.turns,
      concurrency,
      seconds: loaded.seconds,
      tasks_per_s: loaded.tasks / loaded.seconds,
      turns_per_s: loaded.turns / loaded.seconds,
      cpu_ms_per_turn_engine_and_server: loaded.cpuPerTurnMs,
      loop_ms_per_turn_loaded: loaded.overheadPerTurnMs,
      model_wait_ms_per_turn_loaded: loaded.modelPerTurnMs,
      alone_tasks: single.tasks,
      loop_ms_per_turn_alone: single.overheadPerTurnMs,
      model_wait_ms_per_turn_alone: single.modelPerTurnMs,
      alone_tasks_per_s: single.tasks / single.seconds,
      rss_growth_mb: (rssAfter - rssBefore) / 1e6,
    };
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const tasks = process.argv[2] ? Number(process.argv[2]) : undefined;
  run({ tasks, quick: process.argv.includes('--quick') }).then((figures) => console.table(figures), (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
