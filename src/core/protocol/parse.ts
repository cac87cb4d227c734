import { GROUNDING_PAIR } from './strict-call';

/** One assistant turn split into its parts, with lenient explanations of what is off. */
export interface ParsedTurn {
  /** Text inside the first `<think>…</think>`, or null when there is none. */
  think: string | null;
  /** The tool call Mini-o3 acts on (the last `<grounding>` pair), or null. */
  grounding: GroundingCall | null;
  /** How many `<grounding>…</grounding>` pairs the text holds. */
  groundingCount: number;
  /** Text inside the first `<answer>…</answer>`, or null. */
  answer: string | null;
  /** Lenient-mode findings: each says what is wrong and how Mini-o3 would react. */
  problems: string[];
}

export interface GroundingCall {
  /** The text between `<grounding>` and `</grounding>`. */
  raw: string;
  /** Character offsets of the whole `<grounding>…</grounding>` element in the turn text. */
  start: number;
  end: number;
  /** Parsed leniently as JSON; null when it is not a JSON object with these fields. */
  bbox: number[] | null;
  source: string | null;
}

const THINK = /<think>([\s\S]*?)<\/think>/;
const ANSWER = /<answer>([\s\S]*?)<\/answer>/;
const GROUNDING_ALL = new RegExp(GROUNDING_PAIR.source, 'g');

export function parseAssistantTurn(text: string): ParsedTurn {
  const problems: string[] = [];
  const think = THINK.exec(text)?.[1] ?? null;
  const answer = ANSWER.exec(text)?.[1] ?? null;
  const pairs = [...text.matchAll(GROUNDING_ALL)];
  const last = pairs[pairs.length - 1];
  let grounding: GroundingCall | null = null;
  if (last) {
    const raw = last[1]!;
    const start = last.index!;
    grounding = { raw, start, end: start + last[0].length, ...lenientCall(raw, problems) };
  }

  if (think === null) problems.push('no <think>…</think> block');
  else if (countOf(text, '<think>') > 1) problems.push('more than one <think> block');
  if (pairs.length > 1) problems.push(`${pairs.length} <grounding> calls in one turn: Mini-o3 acts on the last one only`);
  if (grounding && answer !== null) problems.push('both a <grounding> call and an <answer>: Mini-o3 executes the call and ignores the answer');
  if (!grounding && text.includes('<grounding>')) problems.push('<grounding> is never closed with </grounding>');
  if (grounding && text.slice(grounding.end).trim() !== '') problems.push('text after </grounding>: generation stops at </grounding>, so it cannot occur');
  if (!grounding && answer === null) problems.push('neither a <grounding> call nor an <answer>: the trajectory is void');
  if (!grounding && answer !== null && !/<\/answer>\n?$/.test(text)) problems.push('text after </answer>: Mini-o3 requires the turn to end with </answer> (void otherwise)');
  if (answer !== null && countOf(text, '<answer>') > 1) problems.push('more than one <answer> block');
  return { think, grounding, groundingCount: pairs.length, answer, problems };
}

function lenientCall(raw: string, problems: string[]): { bbox: number[] | null; source: string | null } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    problems.push(`the call is not valid JSON: ${(e as Error).message}`);
    return { bbox: null, source: null };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push('the call must be a JSON object {"bbox_2d": [...], "source": "..."}');
    return { bbox: null, source: null };
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys[0] !== 'bbox_2d') problems.push('"bbox_2d" must come first: Mini-o3\'s pattern requires {"bbox_2d": ... then "source"');
  for (const k of keys) if (k !== 'bbox_2d' && k !== 'source') problems.push(`unexpected field "${k}"`);
  let bbox: number[] | null = null;
  const b = obj.bbox_2d;
  if (!Array.isArray(b) || b.length !== 4 || b.some((v) => typeof v !== 'number')) {
    problems.push('bbox_2d must be a list of exactly 4 numbers');
  } else {
    bbox = b as number[];
    if (bbox.some((v) => v < 0 || v > 1)) problems.push('bbox_2d values must be relative coordinates in [0, 1]');
    if (bbox[0]! >= bbox[2]! || bbox[1]! >= bbox[3]!) problems.push('bbox_2d must have x0 < x1 and y0 < y1');
  }
  let source: string | null = null;
  if (typeof obj.source !== 'string') problems.push('"source" must be a string: "original_image" or "observation_N"');
  else {
    source = obj.source;
    if (source !== 'original_image' && !/^observation_[0-9]+$/.test(source)) {
      problems.push(`unknown source "${source}": use "original_image" or "observation_N"`);
    }
  }
  return { bbox, source };
}

function countOf(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}
