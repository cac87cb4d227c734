import type { Box4 } from '../trajectory/schema';
import { pyInt, type Size } from '../geometry/boxes';
import { evalPythonLiteral, type PyValue } from './python-literal';

/**
 * Mini-o3's tool-call handling, reproduced exactly: `process_tool_call` (the strict regex and
 * `eval`) followed by `prepare_grounding_inputs_multi_turn` (relative coordinates). Failures
 * carry the `str(e)` text Mini-o3 would put after "Error Information: ".
 */

/** `.*<grounding>{"bbox_2d": (.*),.*"source": [',"](.*)[',"]}</grounding>` with DOTALL, via re.match. */
const STRICT_CALL = /^[\s\S]*<grounding>\{"bbox_2d": ([\s\S]*),[\s\S]*"source": [',"]([\s\S]*)[',"]\}<\/grounding>/;
/** Mini-o3's tool-call detector: any `<grounding>…</grounding>` pair makes the turn a tool call. */
export const GROUNDING_PAIR = /<grounding>([\s\S]*?)<\/grounding>/;

/**
 * Mini-o3's non-void answer test, `re.match(".*<answer>.*</answer>$", text, re.DOTALL)`: Python's `$`
 * also matches just before one final newline.
 */
export const ENDS_WITH_ANSWER = /<answer>[\s\S]*<\/answer>\n?$/;

export type CallFailureKind = 'format' | 'clip';

export type StrictCallResult =
  | { ok: true; sourceIndex: number; source: string; bbox: number[]; pixelBox: Box4 }
  | {
      ok: false;
      kind: CallFailureKind;
      /** Exactly `str(e)` of the exception Mini-o3 catches. */
      errorInfo: string;
      /** False when the text is our best rendering of a Python error we cannot reproduce exactly. */
      exact: boolean;
      /** What went wrong, for people. */
      explanation: string;
    };

export function isToolCall(text: string): boolean {
  return GROUNDING_PAIR.test(text);
}

/**
 * @param observationSizes sizes of the images a `source` can name: index 0 is the raw
 *   original, index N the N-th successful crop (before its resize).
 */
export function resolveStrictCall(text: string, observationSizes: readonly Size[]): StrictCallResult {
  const m = STRICT_CALL.exec(text);
  if (!m) {
    return fail('format', "'NoneType' object has no attribute 'group'", true,
      'the call does not match Mini-o3\'s pattern <grounding>{"bbox_2d": [...], "source": "..."}</grounding> (exact spacing, bbox_2d first)');
  }
  const bboxText = m[1]!;
  const source = m[2]!;
  const evaluated = evalPythonLiteral(bboxText);
  if (!evaluated.ok) {
    return fail('format', evaluated.error, evaluated.exact, `bbox_2d is not a Python literal: ${bboxText}`);
  }
  const value = evaluated.value;
  if (!isPyList(value) || value.items.length !== 4) {
    return fail('format', '', true, 'bbox_2d must be a list of exactly 4 numbers');
  }

  let sourceIndex: number;
  if (source === 'original_image') {
    sourceIndex = 0;
  } else {
    const sm = /^observation_([0-9]*)/.exec(source);
    if (!sm || sm[1] === '') {
      return fail('format', `The 'source' argument "${source}" does not match the pattern 'observation_([0-9]*)'.`, true,
        `unknown source "${source}": use "original_image" or "observation_N"`);
    }
    sourceIndex = Number.parseInt(sm[1]!, 10);
  }
  if (sourceIndex >= observationSizes.length) {
    return fail('format', `Error in predicting the source observation: "${source}".`, true,
      `"${source}" does not exist yet: there ${observationSizes.length - 1 === 1 ? 'is 1 observation' : `are ${observationSizes.length - 1} observations`}`);
  }
  const { width: w, height: h } = observationSizes[sourceIndex]!;

  const scaled: number[] = [];
  const dims = [w, h, w, h];
  for (let k = 0; k < 4; k++) {
    const v = value.items[k]!;
    const n = numericOf(v);
    if (n === null) {
      return fail('format', typeErrorFor(v), false, `bbox_2d[${k}] is not a number`);
    }
    const product = n * dims[k]!;
    if (Number.isNaN(product)) return fail('format', 'cannot convert float NaN to integer', true, `bbox_2d[${k}] is NaN`);
    if (!Number.isFinite(product)) return fail('format', 'cannot convert float infinity to integer', true, `bbox_2d[${k}] is infinite`);
    scaled.push(pyInt(product));
  }
  const box: Box4 = [Math.max(scaled[0]!, 0), Math.max(scaled[1]!, 0), Math.min(scaled[2]!, w - 1), Math.min(scaled[3]!, h - 1)];
  const bbox = value.items.map((v) => numericOf(v) ?? NaN);
  if (!(box[0] <= box[2] - 1)) {
    return fail('clip', `The bounding box is not valid in width: [${box.join(', ')}]`, true,
      `the box is empty or inverted in width after scaling to ${w}x${h} and clamping: [${box.join(', ')}]`);
  }
  if (!(box[1] <= box[3] - 1)) {
    return fail('clip', `The bounding box is not valid in height: [${box.join(', ')}]`, true,
      `the box is empty or inverted in height after scaling to ${w}x${h} and clamping: [${box.join(', ')}]`);
  }
  const bw = box[2] - box[0];
  const bh = box[3] - box[1];
  if (bw / bh >= 200 || bh / bw >= 200) {
    return fail('clip', 'The absolute aspect ratio of the bounding box exceeds 200, which is too large.', true,
      `the box is ${bw}x${bh} px: aspect ratio 200 or more`);
  }
  return { ok: true, sourceIndex, source, bbox, pixelBox: box };
}

function fail(kind: CallFailureKind, errorInfo: string, exact: boolean, explanation: string): StrictCallResult {
  return { ok: false, kind, errorInfo, exact, explanation };
}

function isPyList(v: PyValue): v is { kind: 'list'; items: PyValue[] } {
  return typeof v === 'object' && v !== null && v.kind === 'list';
}

/** Python arithmetic `x * int`: numbers and bools multiply; other types do not give a number. */
function numericOf(v: PyValue): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return null;
}

function typeErrorFor(v: PyValue): string {
  if (v === null) return "unsupported operand type(s) for *: 'NoneType' and 'int'";
  if (typeof v === 'string') return `invalid literal for int() with base 10: '${v}'`;
  if (typeof v === 'object') {
    return `int() argument must be a string, a bytes-like object or a real number, not '${v.kind}'`;
  }
  return 'invalid value';
}
