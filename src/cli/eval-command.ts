import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runEvalBatch, type BatchProgress, type EvalBatchResult } from '../core/eval/batch-run';
import { openAiChatCompletion } from '../core/eval/chat-completion';
import { sampleKey, type EvalSample } from '../core/eval/eval-sample';
import { loadEvalTasks, withImageSizes } from '../core/eval/eval-tasks';
import { exactJudge, type AnswerJudge } from '../core/eval/judge';
import { MINIO3_JUDGE_MODEL } from '../core/eval/judge-prompts';
import { LlmJudge } from '../core/eval/llm-judge';
import { computeEvalMetrics, evalMetricsToJson } from '../core/eval/metrics';
import { formatEvalReport } from '../core/eval/report';
import { evalRunKey } from '../core/eval/run-key';
import { readEvalJournal, type EvalJournal } from '../core/eval/run-journal';
import { ImageCache } from '../core/imaging';
import { resolveSearchSettings } from '../core/search/settings';
import { formatFinding, type Finding } from '../core/trajectory/findings';
import { checkBackendOptions, judgeApiKey, policyFromOptions } from './model-backend';
import { interruptSignal, UsageError } from './progress';
import { checkedSettings } from './search-command';

export interface EvalCommandOptions {
  tasks: string;
  out: string;
  backend?: string;
  url?: string;
  model?: string;
  /** onnx: execution providers in order. */
  ep?: string;
  n: number;
  maxTurns?: number[];
  concurrency: number;
  maxTokens?: number;
  temperature: number;
  topP?: number;
  seed?: number;
  timeout?: number;
  judge: 'exact' | 'llm';
  judgeUrl?: string;
  judgeModel?: string;
  judgeMaxTokens?: number;
  imageBase?: string;
  imageRoot: string[];
  reportJson?: string;
  quiet?: boolean;
}

const SHOWN_FINDINGS = 20;

/**
 * `eval`: every task × max-turn limit × k rollouts against the model (`--backend`), `--concurrency`
 * at a time, appended to --out as each finishes and judged on the way. Rerunning the same command
 * resumes: what --out holds for the same run (model and settings) is skipped. Ctrl+C stops
 * starting rollouts and aborts the running ones, which are not written (they would look done).
 */
export async function evalCommand(o: EvalCommandOptions): Promise<number> {
  if (o.n < 1) throw new UsageError('--n must be at least 1');
  if (o.concurrency < 1) throw new UsageError('--concurrency must be at least 1');
  const maxTurns = o.maxTurns ?? [12];
  checkBackendOptions(o);
  const outFile = path.resolve(o.out);
  const baseDir = path.dirname(outFile);
  if (path.resolve(o.tasks) === outFile) throw new UsageError('--out must be another file than --tasks: trajectories are appended to --out');
  await mkdir(baseDir, { recursive: true });
  const settings = checkedSettings({ max_tokens: o.maxTokens, temperature: o.temperature, top_p: o.topP, seed: o.seed });
  for (const m of maxTurns) checkedSettings({ max_turns: m });
  const judge = makeJudge(o);
  const signal = interruptSignal();

  const taskSet = await loadEvalTasks(o.tasks, { outFile, imageBase: o.imageBase, imageRoots: o.imageRoot, signal });
  const imageRoots = [...o.imageRoot.map((r) => path.resolve(r)), ...taskSet.outsideRoots];
  const tasks = await withImageSizes(taskSet, baseDir, imageRoots);
  printFindings(taskSet.findings);
  if (tasks.length === 0) throw new UsageError(`${o.tasks}: no usable tasks`);

  const policy = await policyFromOptions(o);
  const resolved = resolveSearchSettings(settings);
  const runKey = evalRunKey({ model: policy.name, backend: policy.backend, settings: resolved });
  const journal = await readEvalJournal(outFile, { signal });
  const done = reportJournal(journal, runKey, outFile);

  const progress = new BatchProgressLine(o.quiet === true);
  let result: EvalBatchResult;
  try {
    result = await runEvalBatch({
      tasks, baseDir, outFile, policy, judge, runKey, imageRoots, signal,
      maxTurns,
      rollouts: o.n,
      concurrency: o.concurrency,
      settings,
      done: new Set(done.keys()),
      imageCache: new ImageCache({ maxBytes: 512 * 1024 * 1024 }),
      onProgress: (p) => progress.update(p),
    });
  } finally {
    progress.done();
    await policy.dispose?.();
  }

  const wanted = new Set(tasks.flatMap((t) => maxTurns.flatMap((m) => Array.from({ length: o.n }, (_, r) => sampleKey(t.id, m, r)))));
  const samples: EvalSample[] = [...[...done].filter(([key]) => wanted.has(key)).map(([, s]) => s), ...result.samples];
  const metrics = computeEvalMetrics(samples);
  console.log(formatEvalReport(metrics, { judge: judge.name, runKey }));
  if (o.reportJson) {
    const json = {
      run_key: runKey, model: policy.name, backend: policy.backend, judge: judge.name,
      tasks_file: path.resolve(o.tasks), out_file: outFile, settings: resolved, max_turns: maxTurns, rollouts: o.n,
      counts: { planned: result.planned, from_before: result.skipped, written: result.written, failed: result.errors, cancelled: result.cancelled, judge_failed: result.judgeFailed },
      metrics: evalMetricsToJson(metrics),
    };
    await writeFile(path.resolve(o.reportJson), `${JSON.stringify(json, null, 2)}\n`);
  }
  return summarize(result, outFile, imageRoots);
}

function makeJudge(o: EvalCommandOptions): AnswerJudge {
  if (o.judge === 'exact') {
    if (o.judgeUrl || o.judgeModel) throw new UsageError('--judge-url and --judge-model need --judge llm');
    return exactJudge;
  }
  if (!o.judgeUrl) throw new UsageError('--judge llm needs --judge-url, an OpenAI-compatible endpoint (e.g. https://api.openai.com/v1)');
  const model = o.judgeModel ?? MINIO3_JUDGE_MODEL;
  const apiKey = judgeApiKey();
  try {
    return new LlmJudge({
      model,
      complete: openAiChatCompletion({ url: o.judgeUrl, model, ...(apiKey ? { apiKey } : {}), ...(o.timeout ? { timeoutMs: o.timeout * 1000 } : {}) }),
      ...(o.judgeMaxTokens ? { maxTokens: o.judgeMaxTokens } : {}),
    });
  } catch (error) {
    throw new UsageError(`--judge-url: ${(error as Error).message}`);
  }
}

function printFindings(findings: readonly Finding[]): void {
  const errors = findings.filter((f) => f.severity === 'error');
  const warnings = findings.filter((f) => f.severity === 'warning');
  for (const f of errors.slice(0, SHOWN_FINDINGS)) console.error(formatFinding(f));
  if (errors.length > SHOWN_FINDINGS) console.error(`… and ${errors.length - SHOWN_FINDINGS} more problems with tasks`);
  for (const f of warnings.slice(0, 5)) console.error(`warning: ${formatFinding(f)}`);
  if (warnings.length > 5) console.error(`… and ${warnings.length - 5} more warnings`);
}

/** Says what --out already holds; returns this run's samples by key. */
function reportJournal(journal: EvalJournal, runKey: string, outFile: string): Map<string, EvalSample> {
  for (const p of journal.problems.slice(0, SHOWN_FINDINGS)) console.error(p.message);
  if (journal.problems.length > SHOWN_FINDINGS) console.error(`… and ${journal.problems.length - SHOWN_FINDINGS} more broken lines`);
  if (journal.duplicates.length > 0) console.error(`${outFile}: ${journal.duplicates.length} lines repeat a (task, max turns, rollout) already there; the first counts`);
  for (const run of journal.runs.values()) {
    if (run.runKey === runKey) continue;
    console.error(`${outFile} also holds ${run.samples.size} trajectories of another run (${run.runKey}, model ${run.model}, other settings); kept, left out of this one`);
  }
  const mine = journal.runs.get(runKey)?.samples ?? new Map<string, EvalSample>();
  if (mine.size > 0) console.error(`resuming ${runKey}: ${mine.size} trajectories already in ${outFile} are skipped`);
  return mine;
}

class BatchProgressLine {
  private last = 0;
  private readonly tty = process.stderr.isTTY === true;
  private shown = false;
  constructor(private readonly quiet: boolean) {}

  update(p: BatchProgress): void {
    const now = Date.now();
    if (this.quiet || now - this.last < (this.tty ? 200 : 5000)) return;
    this.last = now;
    const text = `eval: ${p.skipped + p.written}/${p.planned} done${p.skipped ? ` (${p.skipped} from before)` : ''}, ${p.running} running` +
      `${p.errors ? `, ${p.errors} failed` : ''}${p.judgeFailed ? `, ${p.judgeFailed} not judged` : ''}`;
    process.stderr.write(this.tty ? `\r\x1b[K${text}` : `${text}\n`);
    this.shown = true;
  }

  done(): void {
    if (this.tty && this.shown) process.stderr.write('\r\x1b[K');
  }
}

function summarize(result: EvalBatchResult, outFile: string, imageRoots: readonly string[]): number {
  console.error(`${result.written} trajectories appended to ${outFile}${result.skipped ? `, ${result.skipped} were there from before` : ''}`);
  if (result.judgeFailed > 0) console.error(`${result.judgeFailed} trajectories could not be judged (no score after the judge's attempts): written, marked eval.judge.failed, left out of accuracy`);
  if (result.failures.length > 0) {
    console.error(`${result.failures.length} rollouts failed and were not written (the same command retries them):`);
    for (const f of result.failures.slice(0, 5)) console.error(`  ${f.taskId} max_turns ${f.maxTurns} rollout ${f.rollout}: ${f.message}`);
    if (result.failures.length > 5) console.error(`  … and ${result.failures.length - 5} more`);
  }
  if (result.cancelled > 0) console.error(`${result.cancelled} running rollouts were cancelled and not written (a partial trajectory would count as done); rerun the same command to finish`);
  const outDir = path.dirname(outFile);
  const outside = imageRoots.filter((r) => path.relative(outDir, r).startsWith('..'));
  if (outside.length > 0) {
    console.error(`note: task images live outside ${outDir}; to read ${path.basename(outFile)} later pass ${outside.map((r) => `--image-root ${r}`).join(' ')} (miniO3.imageRoots in VS Code)`);
  }
  if (result.stopped === 'cancelled') return 130;
  if (result.stopped) {
    console.error(`stopped early: ${result.stopped}`);
    return 1;
  }
  return result.failures.length > 0 ? 1 : 0;
}

export interface EvalReportOptions {
  runKey?: string;
  reportJson?: string;
  json?: boolean;
}

/** `eval-report`: the report of each eval run in a file (or of one, with --run-key). */
export async function evalReportCommand(file: string, o: EvalReportOptions): Promise<number> {
  const journal = await readEvalJournal(path.resolve(file));
  for (const p of journal.problems.slice(0, SHOWN_FINDINGS)) console.error(p.message);
  const runs = [...journal.runs.values()].filter((r) => !o.runKey || r.runKey === o.runKey);
  if (runs.length === 0) {
    throw new UsageError(o.runKey ? `${file}: no trajectories of run ${o.runKey} (runs: ${[...journal.runs.keys()].join(', ') || 'none'})` : `${file}: no eval trajectories (lines with an "eval" tag)`);
  }
  const out: Record<string, unknown>[] = [];
  for (const run of runs) {
    const metrics = computeEvalMetrics([...run.samples.values()]);
    const judges = [...run.judges].join(', ') || 'recorded outcome';
    if (!o.json) {
      if (runs.length > 1) console.log(`\n${run.runKey}: model ${run.model}`);
      console.log(formatEvalReport(metrics, { judge: judges, runKey: run.runKey }));
      if (run.judges.size > 1) console.log(`note: this run was judged by ${run.judges.size} judges (${judges})`);
    }
    out.push({ run_key: run.runKey, model: run.model, judges: [...run.judges], metrics: evalMetricsToJson(metrics) });
  }
  const json = `${JSON.stringify(runs.length === 1 ? out[0] : out, null, 2)}\n`;
  if (o.json) process.stdout.write(json);
  if (o.reportJson) await writeFile(path.resolve(o.reportJson), json);
  return 0;
}
