import type { Box4 } from '../trajectory/schema';
import type { RgbImage } from './canvas';
import { createRng, hashSeed, type Rng } from './random';
import { renderScene } from './scene';
import { boxesOverlap, measureSign, signFootprint, type SynthSign } from './sign';
import { distractorStyle, randomSignText, randomStyle, sameStyle, type SignStyle } from './sign-content';

/** Inclusive integer range `[min, max]`. */
export type IntRange = readonly [number, number];

export interface SynthTaskOptions {
  /** Image width range in pixels; default 3000..5000. */
  width?: IntRange;
  /** Image height range in pixels; default 2000..3500. */
  height?: IntRange;
  /** How many distractor signs to try to place; default 6..14 (fewer fit in tiny images). */
  distractors?: IntRange;
}

export const DEFAULT_SYNTH_TASK_OPTIONS: Required<SynthTaskOptions> = {
  width: [3000, 5000],
  height: [2000, 3500],
  distractors: [6, 14],
};

/** Smallest image that always fits a target sign with its post and margins. */
export const MIN_SYNTH_WIDTH = 200;
export const MIN_SYNTH_HEIGHT = 150;
export const TARGET_MAX_WIDTH = 120;
export const SYNTH_DATA_SOURCE = 'synthetic_probe';

export interface SynthTask {
  docId: string;
  seed: number;
  index: number;
  width: number;
  height: number;
  /** VisualProbe-style user turn: `<image>\n` + question. */
  problem: string;
  /** The question alone, without the image placeholder. */
  question: string;
  /** The target's text, the ground-truth answer. */
  solution: string;
  /** The target sign's board in original-image pixels, x1/y1 exclusive. */
  gtBox: Box4;
  /** Where the question says the target is, e.g. "in the upper left part of the image". */
  locationHint: string;
  /** Row where the ground starts in the rendered scene. */
  horizon: number;
  target: SynthSign;
  distractors: SynthSign[];
  backgroundSeed: number;
}

export interface GeneratedSynthTask {
  task: SynthTask;
  image: RgbImage;
}

const EDGE_MARGIN = 10;
const TARGET_CLEARANCE = 12;
const DISTRACTOR_CLEARANCE = 4;
const PLACEMENT_ATTEMPTS = 60;

function checkRange(name: string, range: IntRange, min: number, max: number): void {
  const [lo, hi] = range;
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo > hi || lo < min || hi > max) {
    throw new RangeError(`synth option ${name} must be integers ${min} <= min <= max <= ${max}, got [${lo}, ${hi}]`);
  }
}

export function resolveTaskOptions(options: SynthTaskOptions = {}): Required<SynthTaskOptions> {
  const resolved = { ...DEFAULT_SYNTH_TASK_OPTIONS, ...options };
  checkRange('width', resolved.width, MIN_SYNTH_WIDTH, 20_000);
  checkRange('height', resolved.height, MIN_SYNTH_HEIGHT, 20_000);
  checkRange('distractors', resolved.distractors, 0, 200);
  return resolved;
}

export function synthDocId(seed: number, index: number): string {
  return `synth-${seed}-${String(index).padStart(5, '0')}`;
}

function locationHint(box: Box4, width: number, height: number): string {
  const column = Math.min(2, Math.floor((((box[0] + box[2]) / 2) / width) * 3));
  const row = Math.min(2, Math.floor((((box[1] + box[3]) / 2) / height) * 3));
  const hints = [
    ['in the upper left part of the image', 'near the top of the image', 'in the upper right part of the image'],
    ['on the left side of the image', 'near the centre of the image', 'on the right side of the image'],
    ['in the lower left part of the image', 'near the bottom of the image', 'in the lower right part of the image'],
  ] as const;
  return hints[row]?.[column] ?? 'in the image';
}

function withArticle(word: string): string {
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}

function askAbout(rng: Rng, style: SignStyle, hint: string): string {
  const { fill, border } = style;
  const templates = [
    `What is written on the small ${fill} sign with ${withArticle(border)} border ${hint}?`,
    `What text appears on the ${fill} sign with the ${border} border ${hint}?`,
    `${hint.charAt(0).toUpperCase()}${hint.slice(1)}, there is a small ${fill} sign with ${withArticle(border)} border. What does it say?`,
  ];
  return rng.pick(templates);
}

/** Places a sign of the given style and text at a random free spot, or returns null. */
function placeSign(
  rng: Rng,
  role: SynthSign['role'],
  style: SignStyle,
  text: string,
  scale: number,
  width: number,
  height: number,
  minY: number,
  isFree: (footprint: Box4) => boolean,
): SynthSign | null {
  const size = measureSign(text, scale);
  const maxX = width - EDGE_MARGIN - size.width;
  const maxY = height - EDGE_MARGIN - size.height;
  const lowestTop = Math.min(minY, maxY);
  if (maxX < EDGE_MARGIN || maxY < EDGE_MARGIN) return null;
  for (let attempt = 0; attempt < PLACEMENT_ATTEMPTS; attempt++) {
    const x0 = rng.int(EDGE_MARGIN, maxX);
    const y0 = rng.int(Math.max(EDGE_MARGIN, lowestTop), maxY);
    const box: Box4 = [x0, y0, x0 + size.width, y0 + size.height];
    const roomBelow = height - EDGE_MARGIN - box[3];
    let post: Box4 | null = null;
    if (roomBelow >= 4 && rng.chance(0.6)) {
      const postWidth = Math.max(2, scale);
      const postX = Math.round((box[0] + box[2] - postWidth) / 2);
      const postLength = Math.min(roomBelow, rng.int(Math.ceil(size.height / 2), size.height * 2));
      post = [postX, box[3], postX + postWidth, box[3] + postLength];
    }
    const inset = size.borderWidth + size.padding;
    const sign: SynthSign = {
      role, text, ...style, box, post, scale, borderWidth: size.borderWidth, textOrigin: [x0 + inset, y0 + inset],
    };
    if (isFree(signFootprint(sign))) return sign;
  }
  return null;
}

/** The task's layout, question and answer, without pixels: cheap, and enough to render them. */
export function planTask(seed: number, index: number, options: SynthTaskOptions = {}): SynthTask {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`task index must be a non-negative integer, got ${index}`);
  const resolved = resolveTaskOptions(options);
  const rng = createRng(hashSeed(seed, index));
  const width = rng.int(...resolved.width);
  const height = rng.int(...resolved.height);
  const backgroundSeed = rng.seed();
  const horizon = Math.round(height * rng.float(0.45, 0.62));
  // Signs hang on buildings or stand on the ground, not high in the empty sky.
  const signTop = Math.max(EDGE_MARGIN, Math.round(horizon - height * 0.3));

  const targetStyle = randomStyle(rng);
  const targetText = randomSignText(rng, 8);
  const targetScale = measureSign(targetText, 3).width <= TARGET_MAX_WIDTH && rng.chance(0.5) ? 3 : 2;
  const target = placeSign(rng, 'target', targetStyle, targetText, targetScale, width, height, signTop, () => true);
  if (!target) throw new Error(`synth task ${synthDocId(seed, index)}: a ${width}x${height} image cannot hold the target sign`);

  const taken: Box4[] = [];
  const targetFootprint = signFootprint(target);
  const distractors: SynthSign[] = [];
  const wanted = rng.int(...resolved.distractors);
  for (let i = 0; i < wanted; i++) {
    const style = distractorStyle(rng, targetStyle);
    let text = randomSignText(rng, 10);
    if (text === targetText) text = `${text}${rng.int(2, 9)}`;
    const scale = rng.int(2, 4);
    const sign = placeSign(rng, 'distractor', style, text, scale, width, height, signTop, (footprint) =>
      !boxesOverlap(footprint, targetFootprint, TARGET_CLEARANCE) &&
      taken.every((other) => !boxesOverlap(footprint, other, DISTRACTOR_CLEARANCE)),
    );
    if (!sign) continue;
    if (sameStyle(sign, targetStyle)) throw new Error('internal: distractor style equals the target style');
    distractors.push(sign);
    taken.push(signFootprint(sign));
  }

  const hint = locationHint(target.box, width, height);
  const question = askAbout(rng, targetStyle, hint);
  return {
    docId: synthDocId(seed, index),
    seed,
    index,
    width,
    height,
    problem: `<image>\n${question}`,
    question,
    solution: targetText,
    gtBox: [...target.box],
    locationHint: hint,
    horizon,
    target,
    distractors,
    backgroundSeed,
  };
}

/** One task: its plan and its rendered RGB pixels. Same (seed, index, options) -> same bytes. */
export function generateTask(seed: number, index: number, options: SynthTaskOptions = {}): GeneratedSynthTask {
  const task = planTask(seed, index, options);
  const image = renderScene({
    width: task.width,
    height: task.height,
    horizon: task.horizon,
    backgroundSeed: task.backgroundSeed,
    signs: [...task.distractors, task.target],
  });
  return { task, image };
}
