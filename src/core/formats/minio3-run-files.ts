import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { describeJsonError } from '../store/json-error';
import { describeType, idString, isRecord, type ImportContext, type SourceSpot } from './import-common';

/**
 * Reading the files Mini-o3 writes with `save_traj=True` (vllm_async_engine.save_traj_and_obs
 * and ray_trainer._validate): `traj.jsonl` per rollout, `stats.json` and `metrics.json` per run.
 */

export const TRAJ_FILE = 'traj.jsonl';
export const OBSERVATION_FILE = /^observation_(\d+)_(original|resized)_image\.jpg$/;

export interface TurnLine {
  line: number;
  turnIdx: number | null;
  text: string;
  extra?: Record<string, unknown>;
  /** The `error_info` line that followed this turn, verbatim. */
  errorInfo?: { line: number; text: string };
}

/** One run of a rollout: `save_traj` appends, so a re-run into the same folder adds another header. */
export interface RolloutSegment {
  headerLine: number;
  header: Record<string, unknown>;
  turns: TurnLine[];
  /** Lines we could not place, kept verbatim. */
  unplaced: { line: number; value: unknown }[];
}

export async function readTrajLines(file: string, ctx: ImportContext): Promise<RolloutSegment[]> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    ctx.error({ file, line: 0, field: '' }, '', `cannot read: ${(e as Error).message}`);
    return [];
  }
  const segments: RolloutSegment[] = [];
  const lines = text.split('\n');
  let current: RolloutSegment | null = null;
  for (let i = 0; i < lines.length; i++) {
    const src = lines[i]!.replace(/\r$/, '');
    if (src.trim() === '') continue;
    const spot: SourceSpot = { file, line: i + 1, field: '' };
    let value: unknown;
    try {
      value = JSON.parse(src);
    } catch (e) {
      ctx.error(spot, '', `not valid JSON: ${describeJsonError(src, (e as Error).message)}; line skipped`);
      continue;
    }
    if (!isRecord(value)) {
      ctx.error(spot, '', `expected a JSON object, got ${describeType(value)}; line skipped`);
      continue;
    }
    if ('initial_prompt' in value || ('doc_id' in value && !('turn_idx' in value))) {
      if (current) ctx.warning(spot, '', 'a second header line: save_traj appends, so this folder holds more than one run; each is imported, and the images are those of the last run');
      current = { headerLine: i + 1, header: value, turns: [], unplaced: [] };
      segments.push(current);
      continue;
    }
    if (!current) {
      ctx.error(spot, '', 'comes before the header line {"doc_id", "initial_prompt", "ground_truth"}; line skipped');
      continue;
    }
    if ('text_output' in value || 'turn_idx' in value) {
      if (typeof value.text_output !== 'string') {
        ctx.error(spot, 'text_output', `must be a string, got ${describeType(value.text_output)}; turn skipped`);
        current.unplaced.push({ line: i + 1, value });
        continue;
      }
      const turnIdx = typeof value.turn_idx === 'number' && Number.isInteger(value.turn_idx) ? value.turn_idx : null;
      if (turnIdx === null) ctx.warning(spot, 'turn_idx', `expected an integer, got ${describeType(value.turn_idx)}; the turn's position is used`);
      else if (turnIdx !== current.turns.length) ctx.warning(spot, 'turn_idx', `is ${turnIdx} but this is turn ${current.turns.length} of the run (missing or reordered lines)`);
      const extra = Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'turn_idx' && k !== 'text_output'));
      current.turns.push({ line: i + 1, turnIdx, text: value.text_output, ...(Object.keys(extra).length > 0 ? { extra } : {}) });
      continue;
    }
    if ('error_info' in value && typeof value.error_info === 'string') {
      const last = current.turns[current.turns.length - 1];
      if (!last) ctx.warning(spot, 'error_info', 'an error message before any turn; kept in import.raw');
      else if (last.errorInfo) ctx.warning(spot, 'error_info', `turn ${current.turns.length - 1} already has an error message (line ${last.errorInfo.line}); kept in import.raw`);
      else {
        last.errorInfo = { line: i + 1, text: value.error_info };
        continue;
      }
      current.unplaced.push({ line: i + 1, value });
      continue;
    }
    ctx.warning(spot, '', `unknown line shape (keys: ${Object.keys(value).join(', ')}); kept in import.raw`);
    current.unplaced.push({ line: i + 1, value });
  }
  if (segments.length === 0 && lines.some((l) => l.trim() !== '')) ctx.error({ file, line: 0, field: '' }, '', 'no header line {"doc_id", "initial_prompt", "ground_truth"}: rollout skipped');
  if (lines.every((l) => l.trim() === '')) ctx.error({ file, line: 0, field: '' }, '', 'the file is empty: rollout skipped');
  return segments;
}

/** stats.json: a list of per-doc entries `{id, doc_id, input, ground_truth, data_source, rollouts, pass_at_k}`. */
export interface StatsDoc {
  entry: Record<string, unknown>;
  rollouts: unknown[];
}

export async function readStats(runDir: string, ctx: ImportContext): Promise<Map<string, StatsDoc> | null> {
  const file = path.join(runDir, 'stats.json');
  const value = await readJsonFile(file, ctx);
  if (value === undefined) return null;
  const out = new Map<string, StatsDoc>();
  if (!Array.isArray(value)) {
    ctx.error({ file, line: 0, field: '' }, '', `expected a list of per-document entries, got ${describeType(value)}; outcomes not imported`);
    return null;
  }
  value.forEach((entry, i) => {
    const spot = { file, line: 0, field: `[${i}]` };
    const docId = isRecord(entry) ? idString(entry.doc_id) : null;
    if (!isRecord(entry) || docId === null) {
      ctx.warning(spot, 'doc_id', 'entry without a doc_id; ignored');
      return;
    }
    if (!Array.isArray(entry.rollouts)) ctx.warning(spot, 'rollouts', `expected a list, got ${describeType(entry.rollouts)}`);
    out.set(docId, { entry, rollouts: Array.isArray(entry.rollouts) ? entry.rollouts : [] });
  });
  return out;
}

/** metrics.json: `{"val/test_score/{data_source}/total": number, …}`. */
export async function readMetrics(runDir: string, ctx: ImportContext): Promise<Record<string, unknown> | null> {
  const file = path.join(runDir, 'metrics.json');
  const value = await readJsonFile(file, ctx);
  if (value === undefined) return null;
  if (!isRecord(value)) {
    ctx.warning({ file, line: 0, field: '' }, '', `expected an object, got ${describeType(value)}; ignored`);
    return null;
  }
  return value;
}

/** The single data source named by metrics.json, when there is exactly one. */
export function metricsDataSource(metrics: Record<string, unknown> | null): string | undefined {
  if (!metrics) return undefined;
  const sources = new Set<string>();
  for (const key of Object.keys(metrics)) {
    const m = /^val\/test_score\/(.+)\/total$/.exec(key);
    if (m) sources.add(m[1]!);
  }
  return sources.size === 1 ? [...sources][0] : undefined;
}

async function readJsonFile(file: string, ctx: ImportContext): Promise<unknown> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    ctx.error({ file, line: 0, field: '' }, '', `not valid JSON: ${describeJsonError(text, (e as Error).message)}`);
    return undefined;
  }
}
