import type { Trajectory, Turn } from '../trajectory/schema';
import { TRAJECTORY_FORMAT } from '../trajectory/schema';
import { IMAGE_PLACEHOLDER, SYSTEM_PROMPT } from '../protocol/prompts';
import { describeType, isRecord, type ImportContext, type ResolvedImage, type SourceSpot } from './import-common';

/**
 * Chat-style SFT records (LLaMA-Factory ShareGPT, ms-swift messages, DeepEyes dumps) share
 * one mapping: system -> system_prompt, first user message -> task.question, each assistant
 * message -> a turn, each later user message -> the feedback after the turn before it, and
 * the `<image>` placeholders take `images` in order (question first, then observations).
 */

/** Which side of the Mini-o3 loop a source role plays; 'aside' messages are kept in import.raw only. */
export type ChatSide = 'system' | 'user' | 'assistant' | 'aside';

export interface ChatMessage {
  side: ChatSide;
  /** The role as the source spells it. */
  role: string;
  content: string;
  /** Position in the source's message list. */
  index: number;
  /** Set when the role is accepted but not Mini-o3's (kept on the turn, reported as a warning). */
  unusualRole?: string;
  /** Message fields other than role/content, and non-string content as written. */
  extras?: Record<string, unknown>;
}

export interface ChatRecord {
  spot: SourceSpot;
  /** Field names for findings: `conversations` / `from`, `messages` / `role`. */
  messagesField: string;
  roleField: string;
  imagesField: string;
  messages: ChatMessage[];
  images: string[];
  baseDir: string;
  root: string;
  taskId: string;
  trajectoryId: string;
  answer?: string;
  dataSource?: string;
  /** Source fields with no native place. */
  raw?: Record<string, unknown>;
  /** DeepEyes' system prompt describes a different tool; it goes to import.raw instead. */
  systemTo: 'system_prompt' | 'raw';
  /** `import.path`: the source file as the trajectory file should name it. */
  sourcePath: string;
  /** Position in a JSON-array source (`import.index`); absent for JSON lines, where the line says it. */
  arrayIndex?: number;
}

/** A trajectory built from a chat record, with the observation images still to be classified. */
export interface ChatStructure {
  trajectory: Trajectory;
  original: ResolvedImage | null;
  /** Turn index -> the image shown in the feedback after that turn. */
  candidates: Map<number, { image: ResolvedImage; field: string }>;
  spot: SourceSpot;
}

/** Builds the trajectory; returns null (with an error finding) when the record cannot be mapped. */
export async function structureConversation(rec: ChatRecord, ctx: ImportContext): Promise<ChatStructure | null> {
  const { spot } = rec;
  const roleField = (m: ChatMessage) => `${rec.messagesField}.${m.index}.${rec.roleField}`;
  const raw: Record<string, unknown> = { ...(rec.raw ?? {}) };
  const extras: Record<string, unknown> = {};
  for (const m of rec.messages) if (m.extras) extras[String(m.index)] = m.extras;
  if (Object.keys(extras).length > 0) raw.message_extras = extras;

  const flow = rec.messages.filter((m) => m.side !== 'system' && m.side !== 'aside');
  const systems = rec.messages.filter((m) => m.side === 'system');
  let systemPrompt: string | undefined;
  if (systems.length > 0) {
    const first = systems[0]!;
    if (systems.length > 1 || rec.messages.indexOf(first) !== rec.messages.findIndex((m) => m.side !== 'aside')) {
      ctx.error(spot, roleField(systems[systems.length > 1 ? 1 : 0]!), 'a system message is only allowed once, as the first message; record skipped');
      return null;
    }
    if (rec.systemTo === 'raw') raw.system_prompt = first.content;
    else if (first.content !== SYSTEM_PROMPT) systemPrompt = first.content;
  }
  for (let i = 0; i < flow.length; i++) {
    const m = flow[i]!;
    const want = i % 2 === 0 ? 'user' : 'assistant';
    if (m.side !== want) {
      const after = i === 0 ? 'first message (after the system prompt)' : `message after a ${flow[i - 1]!.side} message`;
      ctx.error(spot, roleField(m), `the ${after} must be a ${want} message, got role ${JSON.stringify(m.role)}; record skipped`);
      return null;
    }
  }
  const question = flow[0];
  if (!question) {
    ctx.error(spot, rec.messagesField, 'no user message: nothing to import; record skipped');
    return null;
  }

  // Placeholders take images in order across every message, including the ones kept aside.
  const placeholderCount = rec.messages.reduce((n, m) => n + countPlaceholders(m.content), 0);
  if (placeholderCount !== rec.images.length) {
    ctx.error(spot, rec.imagesField, `${placeholderCount} ${IMAGE_PLACEHOLDER} placeholder(s) in the messages but ${rec.images.length} image(s): they must match one to one (LLaMA-Factory and ms-swift reject this record)`);
  }
  const resolved: ResolvedImage[] = [];
  for (let k = 0; k < rec.images.length; k++) {
    resolved.push(await ctx.image(rec.images[k]!, rec.baseDir, rec.root, spot, `${rec.imagesField}.${k}`));
  }
  let next = 0;
  const take = (m: ChatMessage): number[] => {
    const n = countPlaceholders(m.content);
    const got: number[] = [];
    for (let j = 0; j < n && next < resolved.length; j++) got.push(next++);
    return got;
  };

  const byMessage = new Map<ChatMessage, number[]>();
  for (const m of rec.messages) byMessage.set(m, take(m));
  let questionImages = byMessage.get(question)!;
  if (questionImages.length === 0) {
    if (resolved.length === 0) {
      ctx.error(spot, rec.imagesField, 'the record has no image: a Mini-o3 task needs its original image; record skipped');
      return null;
    }
    ctx.warning(spot, `${rec.messagesField}.${question.index}`, `the question has no ${IMAGE_PLACEHOLDER}; the first image is used as the original`);
    questionImages = [0];
  }

  const turns: Turn[] = [];
  const candidates = new Map<number, { image: ResolvedImage; field: string }>();
  for (let i = 1; i < flow.length; i++) {
    const m = flow[i]!;
    if (m.side === 'assistant') {
      const turn: Turn = { text: m.content };
      if (m.unusualRole) turn.import_role = m.unusualRole;
      turns.push(turn);
      continue;
    }
    const turn = turns[turns.length - 1]!;
    turn.feedback = m.content;
    if (m.unusualRole) turn.import_feedback_role = m.unusualRole;
    const imgs = byMessage.get(m)!;
    if (imgs[0] !== undefined) candidates.set(turns.length - 1, { image: resolved[imgs[0]]!, field: `${rec.imagesField}.${imgs[0]}` });
    if (imgs.length > 1) turn.import_images = imgs.slice(1).map((k) => resolved[k]!.path);
  }
  for (const m of rec.messages) {
    if (m.unusualRole) ctx.warning(spot, roleField(m), `role ${JSON.stringify(m.role)} is not part of Mini-o3's format (${m.unusualRole}); kept, but the message would be templated differently`);
  }
  const aside = rec.messages.filter((m) => m.side === 'aside');
  if (aside.length > 0) {
    raw.aside_messages = aside.map((m) => ({ index: m.index, role: m.role, content: m.content, images: byMessage.get(m)!.map((k) => resolved[k]!.path) }));
  }
  if (turns.length === 0) ctx.warning(spot, rec.messagesField, 'no assistant message: imported as a task without turns');
  if (flow.length % 2 === 1 && turns.length > 0) ctx.warning(spot, `${rec.messagesField}.${flow[flow.length - 1]!.index}`, 'the conversation ends with a user message (LLaMA-Factory skips odd-length conversations); kept as the last turn\'s feedback');

  const trajectory: Trajectory = {
    format: TRAJECTORY_FORMAT,
    id: rec.trajectoryId,
    task: {
      id: rec.taskId,
      question: question.content,
      images: questionImages.map((k) => resolved[k]!.path),
      ...(rec.answer !== undefined ? { answer: rec.answer } : {}),
      ...(rec.dataSource !== undefined ? { data_source: rec.dataSource } : {}),
    },
    ...(systemPrompt !== undefined ? { system_prompt: systemPrompt } : {}),
    turns,
    import: { format: ctx.format, path: rec.sourcePath, line: spot.line, ...(rec.arrayIndex !== undefined ? { index: rec.arrayIndex } : {}), ...(Object.keys(raw).length > 0 ? { raw } : {}) },
  };
  return { trajectory, original: resolved[questionImages[0]!] ?? null, candidates, spot };
}

export function countPlaceholders(text: string): number {
  return text.split(IMAGE_PLACEHOLDER).length - 1;
}

/**
 * Message content as text: strings as is; OpenAI-style part lists (`[{type:'image'}, {type:'text', text}]`)
 * joined with `<image>` for image parts. Returns null for anything else.
 */
export function contentText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return null;
  let out = '';
  for (const part of value) {
    if (typeof part === 'string') out += part;
    else if (isRecord(part) && typeof part.text === 'string' && (part.type === undefined || part.type === 'text')) out += part.text;
    else if (isRecord(part) && typeof part.type === 'string' && /image/.test(part.type)) out += IMAGE_PLACEHOLDER;
    else return null;
  }
  return out;
}

/**
 * Turns one source message into a ChatMessage; reports and returns null for a message of the
 * wrong shape or an unknown role.
 */
export function readMessage(
  value: unknown,
  index: number,
  keys: { role: string; content: string; messages: string },
  sideOf: (role: string) => { side: ChatSide; unusual?: string } | null,
  spot: SourceSpot,
  ctx: ImportContext,
): ChatMessage | null {
  const field = `${keys.messages}.${index}`;
  if (!isRecord(value)) {
    ctx.error(spot, field, `a message must be an object, got ${describeType(value)}; record skipped`);
    return null;
  }
  const role = value[keys.role];
  if (typeof role !== 'string') {
    ctx.error(spot, `${field}.${keys.role}`, `the role must be a string, got ${describeType(role)}; record skipped`);
    return null;
  }
  const side = sideOf(role);
  if (!side) {
    ctx.error(spot, `${field}.${keys.role}`, `unknown role ${JSON.stringify(role)}; record skipped`);
    return null;
  }
  const content = contentText(value[keys.content]);
  if (content === null) {
    ctx.error(spot, `${field}.${keys.content}`, `the content must be a string (or a list of text/image parts), got ${describeType(value[keys.content])}; record skipped`);
    return null;
  }
  const extras: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (k !== keys.role && k !== keys.content) extras[k] = v;
  if (typeof value[keys.content] !== 'string') extras[keys.content] = value[keys.content];
  return {
    side: side.side,
    role,
    content,
    index,
    ...(side.unusual ? { unusualRole: side.unusual } : {}),
    ...(Object.keys(extras).length > 0 ? { extras } : {}),
  };
}
