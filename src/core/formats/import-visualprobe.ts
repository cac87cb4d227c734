import path from 'node:path';
import type { Box4, Trajectory } from '../trajectory/schema';
import { TRAJECTORY_FORMAT } from '../trajectory/schema';
import { IMAGE_PLACEHOLDER } from '../protocol/prompts';
import { describeType, fileStem, idString, isRecord, leftovers, type ImportContext } from './import-common';
import { readJsonRecords, type SourceRecord } from './json-records';
import { checked } from './chat-file';

/**
 * VisualProbe-style task files (mini-o3.md §1.5): `{images, doc_id, problem, solution,
 * data_source}` per record, image paths relative to Mini-o3's BASE_IMAGE_DIR
 * (`options.imageBase`, default the file's folder). Each record becomes a trajectory with no turns.
 */
export async function importVisualProbe(inPath: string, ctx: ImportContext): Promise<Trajectory[]> {
  const file = path.resolve(inPath);
  const base = path.resolve(ctx.options.imageBase ?? path.dirname(file));
  const records = await readJsonRecords(file, ctx);
  const out: Trajectory[] = [];
  for (const rec of records) {
    ctx.checkAborted();
    const t = await importTask(rec, file, base, ctx);
    if (t) out.push(t);
    ctx.progress(rec.index + 1, records.length);
  }
  return out;
}

const CONSUMED = ['images', 'doc_id', 'problem', 'solution', 'data_source', 'gt_box'];

async function importTask(rec: SourceRecord, file: string, base: string, ctx: ImportContext): Promise<Trajectory | null> {
  const { spot, value } = rec;
  if (!isRecord(value)) {
    ctx.error(spot, '', `a task must be a JSON object, got ${describeType(value)}; record skipped`);
    return null;
  }
  if (typeof value.problem !== 'string') {
    ctx.error(spot, 'problem', `must be a string (the question with ${IMAGE_PLACEHOLDER}), got ${describeType(value.problem)}; record skipped`);
    return null;
  }
  const images = typeof value.images === 'string' ? [value.images] : value.images;
  if (!Array.isArray(images) || images.length === 0 || images.some((p) => typeof p !== 'string' || p === '')) {
    ctx.error(spot, 'images', `must be a non-empty list of image paths, got ${JSON.stringify(value.images) ?? 'nothing'}; record skipped`);
    return null;
  }
  if (images.length !== 1) ctx.warning(spot, 'images', `${images.length} images: Mini-o3 (use_raw_image) requires exactly one`);
  if (!value.problem.includes(IMAGE_PLACEHOLDER)) ctx.warning(spot, 'problem', `has no ${IMAGE_PLACEHOLDER} placeholder; Mini-o3 expects "${IMAGE_PLACEHOLDER}\\n" before the question`);

  let docId = idString(value.doc_id);
  if (docId === null) {
    docId = `${fileStem(file)}-${rec.index}`;
    ctx.warning(spot, 'doc_id', `missing or not a string/number (${describeType(value.doc_id)}); using ${JSON.stringify(docId)}`);
  }
  const resolved: string[] = [];
  for (let k = 0; k < images.length; k++) {
    resolved.push((await ctx.image(images[k] as string, base, base, spot, `images.${k}`)).path);
  }

  const raw: Record<string, unknown> = leftovers(value, CONSUMED) ?? {};
  let answer: string | undefined;
  if (typeof value.solution === 'string') answer = value.solution;
  else if (typeof value.solution === 'number' || typeof value.solution === 'boolean') {
    answer = String(value.solution);
    raw.solution = value.solution;
  } else if (value.solution !== undefined) {
    ctx.warning(spot, 'solution', `expected a string, got ${describeType(value.solution)}; kept in import.raw`);
    raw.solution = value.solution;
  }
  let dataSource: string | undefined;
  if (typeof value.data_source === 'string') dataSource = value.data_source;
  else if (value.data_source !== undefined) {
    ctx.warning(spot, 'data_source', `expected a string, got ${describeType(value.data_source)}; kept in import.raw`);
    raw.data_source = value.data_source;
  }
  let gtBox: Box4 | undefined;
  if (value.gt_box !== undefined) {
    const b = value.gt_box;
    if (Array.isArray(b) && b.length === 4 && b.every((v) => typeof v === 'number' && Number.isFinite(v))) gtBox = b as Box4;
    else {
      ctx.warning(spot, 'gt_box', `expected [x0, y0, x1, y1] in pixels, got ${JSON.stringify(b)}; kept in import.raw`);
      raw.gt_box = b;
    }
  }
  if (typeof value.doc_id !== 'string' && value.doc_id !== undefined) raw.doc_id = value.doc_id;

  const t: Trajectory = {
    format: TRAJECTORY_FORMAT,
    id: ctx.uniqueId(docId, spot, 'doc_id'),
    task: {
      id: docId,
      question: value.problem,
      images: resolved,
      ...(answer !== undefined ? { answer } : {}),
      ...(gtBox ? { gt_box: gtBox } : {}),
      ...(dataSource !== undefined ? { data_source: dataSource } : {}),
    },
    turns: [],
    import: {
      format: ctx.format,
      path: ctx.relativeToOut(file),
      line: spot.line,
      ...(spot.field.startsWith('[') ? { index: rec.index } : {}),
      ...(Object.keys(raw).length > 0 ? { raw } : {}),
    },
  };
  return checked(t, spot, ctx);
}
