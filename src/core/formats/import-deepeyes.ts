import path from 'node:path';
import type { Size } from '../geometry/boxes';
import { deepEyesBoxToRelative } from '../geometry/peers';
import { formatGrounding } from '../protocol/format-call';
import type { Trajectory, Turn } from '../trajectory/schema';
import { isRecord, type ImportContext } from './import-common';
import { importChatFile, type ChatLayout } from './chat-file';
import type { ChatStructure } from './conversation';

/**
 * DeepEyes-style trajectories (mini-o3.md §2): the assistant calls
 * `<tool_call>{"name": "image_zoom_in_tool", "arguments": {"bbox_2d": [x1,y1,x2,y2], …}}</tool_call>`
 * in absolute pixels of the raw original, and each observation is a user message
 * `<tool_response><image>…</tool_response>`. Each zoom call is rewritten into Mini-o3's
 * `<grounding>` form on the original (relative = absolute / original size, clamped to the
 * image as DeepEyes clamps); the source text stays in the turn's `import_text`, the box in `import_box`.
 */
export const DEEPEYES_LAYOUT: ChatLayout = {
  messages: ['messages', 'conversations'],
  images: 'images',
  keys: [
    { role: 'role', content: 'content' },
    { role: 'from', content: 'value' },
  ],
  // DeepEyes' system prompt describes its Hermes tool, not Mini-o3's grounding protocol.
  systemTo: 'raw',
  sideOf: (role) => {
    if (role === 'system') return { side: 'system' };
    if (role === 'user' || role === 'human') return { side: 'user' };
    if (role === 'assistant' || role === 'gpt') return { side: 'assistant' };
    if (role === 'tool' || role === 'observation') return { side: 'user', unusual: 'a tool message, fed to Mini-o3 as a plain user message' };
    return null;
  },
};

/** Enough decimals that the rewritten box lands on the same pixels of a large original. */
const DECIMALS = 4;
const TOOL_CALL = /<tool_call>([\s\S]*?)<\/tool_call>/g;

export async function importDeepEyes(inPath: string, ctx: ImportContext): Promise<Trajectory[]> {
  const file = path.resolve(inPath);
  return importChatFile(file, { layout: DEEPEYES_LAYOUT, baseDir: path.dirname(file), transform: rewriteToolCalls }, ctx);
}

export function rewriteToolCalls(s: ChatStructure, originalSize: Size | null, ctx: ImportContext): void {
  s.trajectory.turns.forEach((turn, i) => rewriteTurn(turn, i, s, originalSize, ctx));
}

function rewriteTurn(turn: Turn, i: number, s: ChatStructure, originalSize: Size | null, ctx: ImportContext): void {
  const calls = [...turn.text.matchAll(TOOL_CALL)];
  const call = calls[calls.length - 1];
  if (!call) return;
  const field = `turns.${i}`;
  // DeepEyes acts on the last call only, as Mini-o3 does.
  const start = call.index!;
  const end = start + call[0].length;
  const replaceWith = (grounding: string) => {
    turn.import_text = turn.text;
    turn.text = turn.text.slice(0, start) + grounding + turn.text.slice(end);
  };
  const parsed = parseCall(call[1]!);
  if (typeof parsed === 'string') {
    // Mini-o3 would answer a malformed call with an error turn; keep that meaning.
    replaceWith(`<grounding>${call[1]!}</grounding>`);
    ctx.warning(s.spot, field, `tool call cannot be read (${parsed}); rewritten as a <grounding> call Mini-o3 would reject with an error`);
    return;
  }
  if (parsed.name === 'image_rotate_tool') {
    ctx.warning(s.spot, field, 'image_rotate_tool has no Mini-o3 equivalent; the turn text is kept as written');
    return;
  }
  if (parsed.name !== 'image_zoom_in_tool') {
    ctx.warning(s.spot, field, `unknown tool ${JSON.stringify(parsed.name)}; the turn text is kept as written`);
    return;
  }
  const box = parsed.args.bbox_2d ?? parsed.args.bbox;
  if (!Array.isArray(box) || box.length !== 4 || box.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    replaceWith(`<grounding>${call[1]!}</grounding>`);
    ctx.warning(s.spot, field, 'image_zoom_in_tool needs bbox_2d as 4 numbers; rewritten as a <grounding> call Mini-o3 would reject with an error');
    return;
  }
  if (!originalSize) {
    ctx.warning(s.spot, field, 'the original image size is unknown (image missing or unreadable), so the pixel box cannot be made relative; the turn text is kept as written');
    return;
  }
  const relative = deepEyesBoxToRelative(box as number[], originalSize).map((v) => Math.min(1, Math.max(0, v)));
  replaceWith(formatGrounding(relative, 'original_image', DECIMALS));
  turn.import_box = box;
  if (calls.length > 1) ctx.warning(s.spot, field, `${calls.length} tool calls in one turn; only the last one is converted (DeepEyes runs the last)`);
}

function parseCall(body: string): { name: unknown; args: Record<string, unknown> } | string {
  let value: unknown;
  try {
    value = JSON.parse(body.trim());
  } catch (e) {
    return `not JSON: ${(e as Error).message}`;
  }
  if (!isRecord(value)) return 'not a JSON object';
  let args = value.arguments;
  if (typeof args === 'string') {
    try {
      args = JSON.parse(args);
    } catch {
      return 'arguments is a string that is not JSON';
    }
  }
  if (!isRecord(args)) return 'no "arguments" object';
  return { name: value.name, args };
}
