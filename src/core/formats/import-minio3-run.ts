import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Outcome, Trajectory, Turn } from '../trajectory/schema';
import { TRAJECTORY_FORMAT } from '../trajectory/schema';
import { IMAGE_PLACEHOLDER, IM_END, IM_START, SYSTEM_PROMPT, VISION_TOKENS } from '../protocol/prompts';
import { parseAssistantTurn } from '../protocol/parse';
import { replayTrajectory } from '../protocol/replay';
import { idString, type ImportContext, type ResolvedImage, type SourceSpot } from './import-common';
import { checked } from './chat-file';
import { imageSizeOf } from './observation-images';
import {
  OBSERVATION_FILE,
  TRAJ_FILE,
  metricsDataSource,
  readMetrics,
  readStats,
  readTrajLines,
  type RolloutSegment,
  type StatsDoc,
} from './minio3-run-files';

/**
 * Mini-o3 `save_traj` output: a run folder with one folder per rollout (`{doc_id}` or
 * `{doc_id}_{k}`), or one rollout folder. Observation files are named by `turn_idx + 1` of the
 * turn that cropped (`process_tool_call` saves with `current_iteration + 1`), which is not the
 * observation's number once an error turn came before it.
 */
export async function importMiniO3Run(inPath: string, ctx: ImportContext): Promise<Trajectory[]> {
  let abs = path.resolve(inPath);
  if (path.basename(abs) === TRAJ_FILE) abs = path.dirname(abs);
  const stat = await fsp.stat(abs).catch(() => null);
  if (!stat?.isDirectory()) {
    ctx.error({ file: abs, line: 0, field: '' }, '', 'not a folder: expected a save_traj run folder or one rollout folder');
    return [];
  }
  const single = await ctx.fileExists(path.join(abs, TRAJ_FILE));
  const runDir = single ? path.dirname(abs) : abs;
  const siblings = await rolloutFolders(runDir, ctx, !single);
  const rollouts = single ? [path.basename(abs)] : siblings;
  if (rollouts.length === 0) {
    ctx.error({ file: abs, line: 0, field: '' }, '', `no rollout folders with a ${TRAJ_FILE}`);
    return [];
  }
  const stats = await readStats(runDir, ctx);
  const metrics = await readMetrics(runDir, ctx);
  const run: RunInfo = { runDir, siblings: new Set(siblings), stats, metricsSource: metricsDataSource(metrics), metrics };
  const out: Trajectory[] = [];
  for (let i = 0; i < rollouts.length; i++) {
    ctx.checkAborted();
    out.push(...(await importRollout(path.join(runDir, rollouts[i]!), run, ctx)));
    ctx.progress(i + 1, rollouts.length);
  }
  return out;
}

interface RunInfo {
  runDir: string;
  siblings: Set<string>;
  stats: Map<string, StatsDoc> | null;
  metricsSource: string | undefined;
  metrics: Record<string, unknown> | null;
}

async function rolloutFolders(runDir: string, ctx: ImportContext, report: boolean): Promise<string[]> {
  const entries = await fsp.readdir(runDir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    if (await ctx.fileExists(path.join(runDir, e.name, TRAJ_FILE))) out.push(e.name);
    else if (report) ctx.warning({ file: path.join(runDir, e.name), line: 0, field: '' }, '', `no ${TRAJ_FILE}: not a rollout folder, skipped`);
  }
  return out.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

async function importRollout(dir: string, run: RunInfo, ctx: ImportContext): Promise<Trajectory[]> {
  const trajFile = path.join(dir, TRAJ_FILE);
  const segments = await readTrajLines(trajFile, ctx);
  const files = await fsp.readdir(dir).catch(() => [] as string[]);
  const dirSpot: SourceSpot = { file: trajFile, line: 0, field: '' };
  const original = await ctx.image('original_image.jpg', dir, dir, dirSpot, 'original_image.jpg');
  const resized = files.includes('resized_image.jpg') ? await ctx.image('resized_image.jpg', dir, dir, dirSpot, 'resized_image.jpg') : null;
  const observations = observationFiles(files, dir, ctx);
  const out: Trajectory[] = [];
  for (let s = 0; s < segments.length; s++) {
    const suffix = s === segments.length - 1 ? '' : `@run${s + 1}`;
    const t = await importSegment(segments[s]!, { dir, trajFile, run, original, resized, observations, files, suffix }, ctx);
    if (t) out.push(t);
  }
  return out;
}

interface RolloutFiles {
  dir: string;
  trajFile: string;
  run: RunInfo;
  original: ResolvedImage;
  resized: ResolvedImage | null;
  /** k -> relative paths, where k = turn_idx + 1 of the cropping turn. */
  observations: Map<number, { image?: string; resized_image?: string }>;
  files: string[];
  suffix: string;
}

function observationFiles(files: string[], dir: string, ctx: ImportContext): Map<number, { image?: string; resized_image?: string }> {
  const out = new Map<number, { image?: string; resized_image?: string }>();
  for (const name of files) {
    const m = OBSERVATION_FILE.exec(name);
    if (!m) continue;
    const k = Number(m[1]);
    const entry = out.get(k) ?? {};
    entry[m[2] === 'original' ? 'image' : 'resized_image'] = ctx.relativeToOut(path.join(dir, name));
    out.set(k, entry);
  }
  return out;
}

async function importSegment(seg: RolloutSegment, f: RolloutFiles, ctx: ImportContext): Promise<Trajectory | null> {
  const spot: SourceSpot = { file: f.trajFile, line: seg.headerLine, field: '' };
  const h = seg.header;
  const dirName = path.basename(f.dir);
  const headerId = idString(h.doc_id);
  if (headerId === null) ctx.warning(spot, 'doc_id', `missing or not a string; the folder name ${JSON.stringify(dirName)} is used`);
  else if (headerId !== dirName) ctx.warning(spot, 'doc_id', `is ${JSON.stringify(headerId)} but the folder is ${JSON.stringify(dirName)}`);
  const rolloutId = headerId ?? dirName;
  const { taskId, rollout } = splitRollout(rolloutId, f.run);

  const raw: Record<string, unknown> = {};
  let question = '';
  let systemPrompt: string | undefined;
  if (typeof h.initial_prompt === 'string') {
    raw.initial_prompt = h.initial_prompt;
    ({ question, systemPrompt } = problemFromPrompt(h.initial_prompt));
  } else ctx.warning(spot, 'initial_prompt', 'missing or not a string; the question is left empty');
  let answer: string | undefined;
  if (typeof h.ground_truth === 'string') answer = h.ground_truth;
  else if (h.ground_truth !== undefined) {
    answer = JSON.stringify(h.ground_truth);
    raw.ground_truth = h.ground_truth;
  }
  const headerExtra = Object.fromEntries(Object.entries(h).filter(([k]) => !['doc_id', 'initial_prompt', 'ground_truth'].includes(k)));
  if (Object.keys(headerExtra).length > 0) raw.header_extra = headerExtra;
  if (f.resized) raw.resized_image = f.resized.path;
  if (seg.unplaced.length > 0) raw.unplaced_lines = seg.unplaced;

  const turns: Turn[] = [];
  const errorInfos: { turn: number; line: number; text: string }[] = [];
  const used = new Set<number>();
  seg.turns.forEach((line, i) => {
    const turn: Turn = { text: line.text };
    if (line.extra) turn.import_extra = line.extra;
    if (line.errorInfo) {
      turn.feedback = stripTemplate(line.errorInfo.text, ctx, { ...spot, line: line.errorInfo.line }, 'error_info');
      errorInfos.push({ turn: i, line: line.errorInfo.line, text: line.errorInfo.text });
    }
    const k = (line.turnIdx ?? i) + 1;
    const obs = f.suffix === '' ? f.observations.get(k) : undefined;
    if (obs) {
      turn.observation = { ...obs };
      used.add(k);
    }
    turns.push(turn);
  });
  if (errorInfos.length > 0) raw.error_info = errorInfos;
  if (f.suffix === '') {
    const stray = [...f.observations.keys()].filter((k) => !used.has(k)).sort((a, b) => a - b);
    if (stray.length > 0) {
      ctx.warning(spot, '', `observation files for turn_idx+1 = ${stray.join(', ')} match no recorded turn; listed in import.raw.unmatched_observations`);
      raw.unmatched_observations = stray.map((k) => ({ k, ...f.observations.get(k) }));
    }
  }
  const known = new Set(['traj.jsonl', 'original_image.jpg', 'resized_image.jpg']);
  const otherFiles = f.files.filter((n) => !known.has(n) && !OBSERVATION_FILE.test(n));
  if (otherFiles.length > 0) raw.other_files = otherFiles;

  const doc = f.run.stats?.get(taskId);
  let outcome: Outcome | undefined;
  if (doc) {
    const entry = doc.rollouts[rollout ?? 0];
    const { rollouts: _omit, ...docInfo } = doc.entry;
    raw.stats = { doc: docInfo, ...(entry !== undefined ? { rollout: entry } : {}) };
    const score = entry && typeof entry === 'object' && 'score' in entry ? (entry as { score: unknown }).score : undefined;
    if (typeof score === 'number') outcome = { score, correct: score > 0 };
    else if (entry === undefined) ctx.warning(spot, '', `stats.json has no rollout ${rollout ?? 0} for doc ${taskId}`);
  }
  const lastAnswer = turns.length > 0 ? parseAssistantTurn(turns[turns.length - 1]!.text).answer : null;
  if (lastAnswer !== null) outcome = { answer: lastAnswer, ...(outcome ?? {}) };
  if (f.run.metrics) raw.metrics = f.run.metrics;
  const statsSource = typeof doc?.entry.data_source === 'string' ? doc.entry.data_source : undefined;
  const dataSource = statsSource ?? f.run.metricsSource;

  const t: Trajectory = {
    format: TRAJECTORY_FORMAT,
    id: ctx.uniqueId(rolloutId + f.suffix, spot, 'doc_id'),
    task: {
      id: taskId,
      question,
      images: [f.original.path],
      ...(answer !== undefined ? { answer } : {}),
      ...(dataSource !== undefined ? { data_source: dataSource } : {}),
    },
    ...(systemPrompt !== undefined ? { system_prompt: systemPrompt } : {}),
    ...(rollout !== null ? { rollout } : {}),
    turns,
    ...(outcome ? { outcome } : {}),
    import: { format: ctx.format, path: ctx.relativeToOut(f.trajFile), line: seg.headerLine, raw },
  };
  if (f.suffix === '') await crossCheck(t, f, spot, ctx);
  return checked(t, spot, ctx);
}

/** `{doc_id}_{k}` is a rollout suffix only when stats.json or sibling folders confirm it. */
function splitRollout(id: string, run: RunInfo): { taskId: string; rollout: number | null } {
  const m = /^(.*)_(\d+)$/.exec(id);
  if (!m) return { taskId: id, rollout: null };
  const base = m[1]!;
  const k = Number(m[2]);
  if (run.stats) {
    if (run.stats.has(base) && !run.stats.has(id)) return { taskId: base, rollout: k };
    if (run.stats.has(id)) return { taskId: id, rollout: null };
  }
  const pattern = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_\\d+$`);
  const brothers = [...run.siblings].filter((s) => s !== id && pattern.test(s));
  return brothers.length > 0 ? { taskId: base, rollout: k } : { taskId: id, rollout: null };
}

/** The saved prompt is the problem or the whole chat-templated prompt; recover the problem form. */
export function problemFromPrompt(prompt: string): { question: string; systemPrompt?: string } {
  const userTag = `${IM_START}user\n`;
  const at = prompt.indexOf(userTag);
  let user = prompt;
  let systemPrompt: string | undefined;
  if (at >= 0) {
    const end = prompt.indexOf(IM_END, at + userTag.length);
    user = prompt.slice(at + userTag.length, end < 0 ? undefined : end);
    const sys = /<\|im_start\|>system\n([\s\S]*?)<\|im_end\|>/.exec(prompt.slice(0, at));
    if (sys && sys[1] !== SYSTEM_PROMPT) systemPrompt = sys[1];
  }
  const question = user.split(VISION_TOKENS).join(IMAGE_PLACEHOLDER);
  return systemPrompt !== undefined ? { question, systemPrompt } : { question };
}

function stripTemplate(text: string, ctx: ImportContext, spot: SourceSpot, field: string): string {
  const head = `${IM_END}\n${IM_START}user\n`;
  const tail = `${IM_END}\n${IM_START}assistant\n`;
  if (text.startsWith(head) && text.endsWith(tail)) return text.slice(head.length, text.length - tail.length);
  ctx.warning(spot, field, 'not wrapped as "<|im_end|>\\n<|im_start|>user\\n…<|im_end|>\\n<|im_start|>assistant\\n"; kept as written');
  return text;
}

/** Replays the run on the original's size and reports turns whose saved evidence disagrees. */
async function crossCheck(t: Trajectory, f: RolloutFiles, spot: SourceSpot, ctx: ImportContext): Promise<void> {
  const size = await imageSizeOf(f.original, ctx, spot, 'original_image.jpg');
  if (!size) return;
  const replay = replayTrajectory(t, { originalSize: size });
  for (const r of replay.turns) {
    const turn = t.turns[r.index]!;
    const field = `turns.${r.index}`;
    if (r.action === 'crop' && !turn.observation) ctx.warning(spot, field, `replays as a crop but no observation_${r.index + 1}_*.jpg was saved`);
    if (r.action !== 'crop' && turn.observation) ctx.warning(spot, field, `has saved observation files but replays as '${r.action}'`);
    if (r.action === 'error' && turn.feedback === undefined) ctx.warning(spot, field, 'replays as a tool error but no error_info line follows it');
    if (r.action !== 'error' && turn.feedback !== undefined) ctx.warning(spot, field, `has an error_info line but replays as '${r.action}'`);
  }
}
