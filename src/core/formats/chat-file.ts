import path from 'node:path';
import type { Trajectory } from '../trajectory/schema';
import { TrajectorySchema } from '../trajectory/schema';
import { findingsFromZod } from '../trajectory/findings';
import {
  describeType,
  fileStem,
  idString,
  isRecord,
  leftovers,
  type ImportContext,
  type SourceSpot,
} from './import-common';
import { readJsonRecords } from './json-records';
import { readMessage, structureConversation, type ChatMessage, type ChatSide, type ChatStructure } from './conversation';
import { attachObservationImages, imageSizeOf } from './observation-images';
import type { Size } from '../geometry/boxes';

/** How one chat dialect names things. */
export interface ChatLayout {
  /** Candidate names of the message-list field, first match wins (`conversations`, `messages`). */
  messages: readonly string[];
  images: string;
  /** A column holding the system prompt instead of a system message (LLaMA-Factory `columns.system`). */
  systemColumn?: string;
  /** Role/content key pairs; the first whose role key the first message has wins. */
  keys: readonly { role: string; content: string }[];
  sideOf: (role: string) => { side: ChatSide; unusual?: string } | null;
  systemTo: 'system_prompt' | 'raw';
}

export interface ChatFileOptions {
  layout: ChatLayout;
  /** Folder relative image paths resolve against; also the folder they must stay inside. */
  baseDir: string;
  /** Rewrites turns once the original image's size is known (DeepEyes tool calls). */
  transform?: (s: ChatStructure, originalSize: Size | null, ctx: ImportContext) => void;
}

const ID_FIELDS = ['id', 'doc_id', 'sample_index'] as const;
const ANSWER_FIELDS = ['solution', 'answer', 'ground_truth'] as const;

/** Imports every record of a JSON-array / JSON-lines chat file; bad records are skipped with findings. */
export async function importChatFile(file: string, options: ChatFileOptions, ctx: ImportContext): Promise<Trajectory[]> {
  const records = await readJsonRecords(file, ctx);
  const out: Trajectory[] = [];
  for (const rec of records) {
    ctx.checkAborted();
    const t = await importChatRecord(rec.value, rec.index, rec.spot, file, options, ctx);
    if (t) out.push(t);
    ctx.progress(rec.index + 1, records.length);
  }
  return out;
}

async function importChatRecord(
  value: unknown,
  index: number,
  spot: SourceSpot,
  file: string,
  { layout, baseDir, transform }: ChatFileOptions,
  ctx: ImportContext,
): Promise<Trajectory | null> {
  if (!isRecord(value)) {
    ctx.error(spot, '', `a record must be a JSON object, got ${describeType(value)}; record skipped`);
    return null;
  }
  const messagesField = layout.messages.find((k) => k in value) ?? layout.messages[0]!;
  const list = value[messagesField];
  if (!Array.isArray(list)) {
    ctx.error(spot, messagesField, `must be a list of messages, got ${describeType(list)}; record skipped`);
    return null;
  }
  const images = readImageList(value[layout.images], layout.images, spot, ctx);
  if (!images) return null;

  const firstMessage = list.find(isRecord);
  const keys = layout.keys.find((k) => firstMessage !== undefined && k.role in firstMessage) ?? layout.keys[0]!;
  const messages: ChatMessage[] = [];
  const systemValue = layout.systemColumn ? value[layout.systemColumn] : undefined;
  for (let i = 0; i < list.length; i++) {
    const m = readMessage(list[i], i, { role: keys.role, content: keys.content, messages: messagesField }, layout.sideOf, spot, ctx);
    if (!m) return null;
    messages.push(m);
  }
  if (typeof systemValue === 'string' && systemValue.length > 0) {
    messages.unshift({ side: 'system', role: layout.systemColumn!, content: systemValue, index: -1 });
  }

  const idKey = ID_FIELDS.find((k) => idString(value[k]) !== null);
  const taskId = idKey ? idString(value[idKey])! : `${fileStem(file)}-${index}`;
  const rollout = idString(value.rollout_index);
  const trajectoryId = ctx.uniqueId(rollout !== null && idKey ? `${taskId}_${rollout}` : taskId, spot, idKey ?? '');
  const answerKey = ANSWER_FIELDS.find((k) => typeof value[k] === 'string');
  const dataSource = typeof value.data_source === 'string' ? value.data_source : undefined;
  const consumed = [messagesField, layout.images, ...(answerKey ? [answerKey] : []), ...(dataSource !== undefined ? ['data_source'] : [])];
  if (typeof systemValue === 'string' && systemValue.length > 0) consumed.push(layout.systemColumn!);

  const structure = await structureConversation(
    {
      spot,
      messagesField,
      roleField: keys.role,
      imagesField: layout.images,
      messages,
      images,
      baseDir,
      root: baseDir,
      taskId,
      trajectoryId,
      ...(answerKey ? { answer: value[answerKey] as string } : {}),
      ...(dataSource !== undefined ? { dataSource } : {}),
      ...(leftovers(value, consumed) ? { raw: leftovers(value, consumed) } : {}),
      systemTo: layout.systemTo,
      sourcePath: ctx.relativeToOut(path.resolve(file)),
      ...(spot.field.startsWith('[') ? { arrayIndex: index } : {}),
    },
    ctx,
  );
  if (!structure) return null;
  const originalSize = await imageSizeOf(structure.original, ctx, spot, `${layout.images}.0`);
  transform?.(structure, originalSize, ctx);
  await attachObservationImages(structure, ctx, originalSize);
  return checked(structure.trajectory, spot, ctx);
}

function readImageList(value: unknown, field: string, spot: SourceSpot, ctx: ImportContext): string[] | null {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) {
    ctx.error(spot, field, `must be a list of image paths, got ${describeType(value)}; record skipped`);
    return null;
  }
  const out: string[] = [];
  for (let k = 0; k < value.length; k++) {
    const item = value[k];
    const p = typeof item === 'string' ? item : isRecord(item) && typeof item.path === 'string' ? item.path : null;
    if (p === null || p.length === 0) {
      ctx.error(spot, `${field}.${k}`, `an image must be a non-empty path string (or {"path": …}), got ${describeType(item)}; record skipped`);
      return null;
    }
    out.push(p);
  }
  return out;
}

/** Last line of defence: whatever we built must satisfy the native schema. */
export function checked(t: Trajectory, spot: SourceSpot, ctx: ImportContext): Trajectory | null {
  const parsed = TrajectorySchema.safeParse(t);
  if (parsed.success) return parsed.data;
  for (const f of findingsFromZod(parsed.error, spot.file, spot.line, spot.field)) {
    ctx.error(spot, '', `the imported trajectory is invalid at ${f.field || '(root)'}: ${f.message}; record skipped`);
  }
  return null;
}
