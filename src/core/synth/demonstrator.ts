import * as path from 'node:path';
import { DEFAULT_LIMITS, TRAJECTORY_FORMAT, type Box4, type Limits, type Outcome, type Trajectory } from '../trajectory/schema';
import type { Size } from '../geometry/boxes';
import { createRng, hashSeed, type Rng } from './random';
import type { SynthTask } from './tasks';
import { SYNTH_DATA_SOURCE } from './tasks';
import { DemoBuilder } from './demo-builder';
import { quadrantOf, quadrantWindow, windowAround, wherePhrase } from './demo-regions';
import {
  acceptWrongSign, openTowardTarget, openWithQuadrant, openWithTwoCandidates, readAnswer, recoverFromError,
  refineWithin, rejectDetour, voidEnding, zoomAgain, type SignLook,
} from './demo-text';

/**
 * A scripted, seeded demonstrator: writes Mini-o3-protocol trajectories that search toward
 * a task's known ground-truth box, so tests, benchmarks and sample workspaces have realistic
 * data without a model. Every trajectory is marked synthetic (`model.synthetic`), and its
 * outcome is what replaying its turns gives.
 */

export const DEMO_KINDS = ['direct', 'detour', 'crop_of_crop', 'invalid_call', 'over_turn', 'wrong_answer', 'void'] as const;
export type DemoKind = (typeof DEMO_KINDS)[number];

/** The two malformed calls of `invalid_call`: an inverted box (invalid_clip) or a source that does not exist (invalid_format). */
export type InvalidCallMistake = 'inverted_box' | 'missing_source';

export const DEMONSTRATOR_MODEL = { name: 'scripted-demonstrator', backend: 'synthetic', synthetic: true } as const;

/** Turn limit of over_turn demonstrations: four calls, the last refused. */
export const OVER_TURN_MAX_TURNS = 4;

/** Share of each kind in `demonstrate` when no mix is given: mostly successful searches. */
export const DEFAULT_DEMO_MIX: Readonly<Record<DemoKind, number>> = {
  direct: 0.3, detour: 0.15, crop_of_crop: 0.2, invalid_call: 0.1, over_turn: 0.08, wrong_answer: 0.1, void: 0.07,
};

/** A sign other than the target; text and style are optional for tasks that only give boxes. */
export interface DemoSign {
  box: Box4;
  text?: string;
  fill?: string;
  border?: string;
}

export interface DemoTask {
  docId: string;
  /** The user turn with its `<image>` placeholder. */
  problem: string;
  solution: string;
  /** The target in original-image pixels, x1/y1 exclusive. */
  gtBox: Box4;
  /** Relative to the folder of the trajectory file the demonstrations go into. */
  imagePath: string;
  width: number;
  height: number;
  distractors: DemoSign[];
  dataSource: string;
  targetStyle?: { fill: string; border: string };
}

export interface DemonstrateTaskOptions {
  seed: number;
  kind: DemoKind;
  /** For `invalid_call`: which mistake to make; by default drawn from the seed. */
  invalidCall?: InvalidCallMistake;
}

export interface DemonstrateOptions {
  seed: number;
  /** Every task gets this kind; otherwise each draws one from `mix`. */
  kind?: DemoKind;
  /** Relative weights per kind (missing kinds weigh 0); default DEFAULT_DEMO_MIX. */
  mix?: Partial<Record<DemoKind, number>>;
}

export function demoTaskFromSynth(task: SynthTask, imagePath: string): DemoTask {
  return {
    docId: task.docId,
    problem: task.problem,
    solution: task.solution,
    gtBox: [...task.gtBox],
    imagePath,
    width: task.width,
    height: task.height,
    distractors: task.distractors.map((d) => ({ box: [...d.box], text: d.text, fill: d.fill, border: d.border })),
    dataSource: SYNTH_DATA_SOURCE,
    targetStyle: { fill: task.target.fill, border: task.target.border },
  };
}

/** Tasks of a written synthetic dataset, with image paths relative to `trajectoryDir`. */
export function demoTasksFromDataset(tasks: readonly (SynthTask & { imagePath: string })[], trajectoryDir: string): DemoTask[] {
  return tasks.map((task) => {
    const relative = path.relative(path.resolve(trajectoryDir), task.imagePath).split(path.sep).join('/');
    return demoTaskFromSynth(task, relative);
  });
}

/** Exact match after trimming, case and inner whitespace folded: sign texts are codes. */
export function answersMatch(answer: string, solution: string): boolean {
  const norm = (s: string): string => s.trim().replace(/\s+/g, ' ').toUpperCase();
  return norm(answer) === norm(solution);
}

export function demonstrate(tasks: readonly DemoTask[], options: DemonstrateOptions): Trajectory[] {
  const weights = resolveMix(options.mix);
  return tasks.map((task, index) => {
    const kind = options.kind ?? pickWeighted(createRng(hashSeed(options.seed, index)), weights);
    return demonstrateTask(task, { seed: options.seed, kind });
  });
}

/** One demonstration; the same task, seed and kind always give the same trajectory. */
export function demonstrateTask(task: DemoTask, options: DemonstrateTaskOptions): Trajectory {
  checkTask(task);
  const kindIndex = DEMO_KINDS.indexOf(options.kind);
  if (kindIndex < 0) throw new RangeError(`demonstrator: unknown kind ${JSON.stringify(options.kind)}; expected one of ${DEMO_KINDS.join(', ')}`);
  const rng = createRng(hashSeed(options.seed, stringHash(task.docId), kindIndex));
  const limits: Limits = options.kind === 'over_turn' ? { ...DEFAULT_LIMITS, max_turns: OVER_TURN_MAX_TURNS } : { ...DEFAULT_LIMITS };
  const base: Trajectory = {
    format: TRAJECTORY_FORMAT,
    id: `demo-${options.seed}-${task.docId}-${options.kind}`,
    task: {
      id: task.docId,
      question: task.problem,
      images: [task.imagePath],
      answer: task.solution,
      gt_box: [...task.gtBox],
      data_source: task.dataSource,
    },
    model: { ...DEMONSTRATOR_MODEL },
    limits,
    turns: [],
  };
  const size: Size = { width: task.width, height: task.height };
  const builder = new DemoBuilder(base, size);
  const plan: Plan = { task, rng, builder, size, full: [0, 0, task.width, task.height], target: targetLook(task) };
  const mistake = PLANNERS[options.kind](plan, options);

  const replay = builder.verify();
  const texts = builder.texts();
  const answer = replay.answer;
  const outcome: Outcome = {
    answer,
    correct: answer !== null && answersMatch(answer, task.solution),
    status: replay.status === 'over_turn' ? 'over_turn' : replay.status === 'void' ? 'void' : 'answered',
  };
  return {
    ...base,
    turns: texts.map((text, i) => ({ text, finish_reason: 'stop', ...costOf(rng, text, i) })),
    outcome,
    review: { status: 'unreviewed' },
    demonstration: { kind: options.kind, seed: options.seed, ...(mistake ? { mistake } : {}) },
  };
}

interface Plan {
  task: DemoTask;
  rng: Rng;
  builder: DemoBuilder;
  size: Size;
  full: Box4;
  target: SignLook;
}

type Planner = (plan: Plan, options: DemonstrateTaskOptions) => string | void;

const PLANNERS: Record<DemoKind, Planner> = {
  direct(p) {
    searchDirect(p, p.task.gtBox);
    p.builder.answer(readAnswer(p.rng, p.target, p.task.solution), p.task.solution);
  },

  detour(p) {
    const { rng, task, full, builder } = p;
    const decoy = pickDecoy(rng, task);
    const decoyBox = decoy?.box ?? emptySpot(rng, task.gtBox, full);
    const decoyWindow = windowAround(rng, decoyBox, full, [0.1, 0.22], [task.gtBox]);
    const targetWhere = wherePhrase(rng, task.gtBox, full);
    const decoyLook = decoy ? lookOf(decoy) : null;
    builder.crop(openWithTwoCandidates(rng, p.target, decoyLook, wherePhrase(rng, decoyBox, full), targetWhere), decoyWindow, 0);
    builder.crop(rejectDetour(rng, p.target, decoyLook, targetWhere), windowAround(rng, task.gtBox, full, [0.12, 0.3]), 0);
    builder.answer(readAnswer(rng, p.target, task.solution), task.solution);
  },

  crop_of_crop(p) {
    searchCoarseToFine(p, p.task.gtBox);
    p.builder.answer(readAnswer(p.rng, p.target, p.task.solution), p.task.solution);
  },

  invalid_call(p, options) {
    const { rng, task, full, builder } = p;
    const mistake = options.invalidCall ?? (rng.chance(0.5) ? 'missing_source' : 'inverted_box');
    const window = windowAround(rng, task.gtBox, full, [0.12, 0.3]);
    const bbox = builder.relativeFor(window, 0);
    const opening = openTowardTarget(rng, p.target, p.target, wherePhrase(rng, task.gtBox, full), p.size);
    let detail: 'inverted_x' | 'inverted_y' | 'missing_source' = 'missing_source';
    if (mistake === 'missing_source') {
      builder.call(opening, bbox, `observation_${rng.int(1, 6)}`, 'error');
    } else {
      detail = rng.chance(0.5) ? 'inverted_x' : 'inverted_y';
      const inverted = detail === 'inverted_x' ? [bbox[2], bbox[1], bbox[0], bbox[3]] : [bbox[0], bbox[3], bbox[2], bbox[1]];
      builder.call(opening, inverted, 'original_image', 'error');
    }
    builder.crop(recoverFromError(rng, detail, 0), window, 0);
    builder.answer(readAnswer(rng, p.target, task.solution), task.solution);
    return mistake;
  },

  over_turn(p) {
    const { rng, task, builder } = p;
    const maxTurns = OVER_TURN_MAX_TURNS;
    searchCoarseToFine(p, task.gtBox);
    const firstVariant = rng.int(0, 2);
    while (builder.turnCount < maxTurns) {
      const source = builder.turnCount; // every turn so far made one observation
      const bounds = builder.observation(source).rectInOriginal;
      const window = windowAround(rng, task.gtBox, bounds, [0.4, 0.65]);
      const expect = builder.turnCount === maxTurns - 1 ? 'over_turn' : 'crop';
      const text = zoomAgain(wherePhrase(rng, task.gtBox, bounds), `observation_${source}`, firstVariant + source);
      builder.crop(text, window, source, expect);
    }
  },

  wrong_answer(p) {
    const { rng, task } = p;
    const decoy = pickDecoy(rng, task);
    if (!decoy?.text) {
      // Nothing else to confuse it with: a correct search that misreads the text.
      const misread = misreadText(rng, task.solution);
      searchDirect(p, task.gtBox);
      p.builder.answer(acceptWrongSign(rng, { ...p.target }, misread), misread);
      return;
    }
    const look = lookOf(decoy);
    if (rng.chance(0.5)) searchCoarseToFine(p, decoy.box, look, [task.gtBox]);
    else searchDirect(p, decoy.box, look, [task.gtBox]);
    p.builder.answer(acceptWrongSign(rng, look, decoy.text), decoy.text);
  },

  void(p) {
    searchDirect(p, p.task.gtBox);
    p.builder.final(voidEnding(p.rng, p.target, p.task.solution), 'void');
  },
};

/** One crop from the original around `box`, the sign that looks like `seen`. */
function searchDirect(p: Plan, box: Box4, seen: SignLook = p.target, avoid: readonly Box4[] = []): void {
  const window = windowAround(p.rng, box, p.full, [0.12, 0.3], avoid);
  p.builder.crop(openTowardTarget(p.rng, p.target, seen, wherePhrase(p.rng, box, p.full), p.size), window, 0);
}

/** A quadrant crop of the original, then a finer crop of observation_1 around `box`. */
function searchCoarseToFine(p: Plan, box: Box4, seen: SignLook = p.target, avoid: readonly Box4[] = []): void {
  const { rng, builder, full } = p;
  const coarse = quadrantWindow(box, full, rng.float(0.04, 0.12));
  builder.crop(openWithQuadrant(rng, p.target, quadrantOf(box, full), p.size), coarse, 0);
  const first = builder.observation(1);
  const fine = windowAround(rng, box, first.rectInOriginal, [0.2, 0.45], avoid);
  builder.crop(refineWithin(rng, seen, wherePhrase(rng, box, first.rectInOriginal), 'observation_1', first.size), fine, 1);
}

function targetLook(task: DemoTask): SignLook {
  return task.targetStyle ? { fill: task.targetStyle.fill, border: task.targetStyle.border, text: task.solution } : { text: task.solution };
}

function lookOf(sign: DemoSign): SignLook {
  const look: SignLook = {};
  if (sign.text !== undefined) look.text = sign.text;
  if (sign.fill !== undefined) look.fill = sign.fill;
  if (sign.border !== undefined) look.border = sign.border;
  return look;
}

/** A distractor to be fooled by: one sharing the target's fill or border when there is one. */
function pickDecoy(rng: Rng, task: DemoTask): DemoSign | null {
  const readable = task.distractors.filter((d) => d.text !== undefined && !answersMatch(d.text, task.solution));
  const pool = readable.length > 0 ? readable : task.distractors;
  const style = task.targetStyle;
  const alike = style ? pool.filter((d) => d.fill === style.fill || d.border === style.border) : [];
  const candidates = alike.length > 0 ? alike : pool;
  return candidates.length > 0 ? rng.pick(candidates) : null;
}

/** A small spot in the quadrant diagonally opposite the target, for a detour that finds nothing. */
function emptySpot(rng: Rng, gtBox: Box4, full: Box4): Box4 {
  const quadrant = quadrantOf(gtBox, full);
  const midX = Math.floor(full[2] / 2);
  const midY = Math.floor(full[3] / 2);
  const x = quadrant.endsWith('left') ? rng.int(midX, full[2] - 2) : rng.int(0, midX - 1);
  const y = quadrant.startsWith('upper') ? rng.int(midY, full[3] - 2) : rng.int(0, midY - 1);
  return [x, y, x + 1, y + 1];
}

const LOOK_ALIKES: Readonly<Record<string, string>> = {
  B: '8', '8': 'B', S: '5', '5': 'S', Z: '2', '2': 'Z', G: '6', '6': 'G', E: 'F', F: 'E', P: 'R', R: 'P', U: 'V', V: 'U', M: 'N', N: 'M',
};

/** The solution with one character swapped for a look-alike: a plausible misreading. */
function misreadText(rng: Rng, solution: string): string {
  const positions = [...solution].flatMap((c, i) => (LOOK_ALIKES[c.toUpperCase()] ? [i] : []));
  if (positions.length > 0) {
    const at = rng.pick(positions);
    const chars = [...solution];
    chars[at] = LOOK_ALIKES[chars[at]!.toUpperCase()]!;
    return chars.join('');
  }
  return solution.length > 1 ? solution.slice(0, -1) : `${solution}7`;
}

/** Rough completion tokens (about 3.6 characters per token) and plausible, seeded latency. */
function costOf(rng: Rng, text: string, turn: number): { tokens: { completion: number }; timing: { ms: number } } {
  const completion = Math.max(1, Math.round(text.length / 3.6));
  const prefillMs = turn === 0 ? rng.int(350, 1100) : rng.int(120, 420);
  return { tokens: { completion }, timing: { ms: Math.round(prefillMs + completion * rng.float(20, 34)) } };
}

function resolveMix(mix: Partial<Record<DemoKind, number>> | undefined): [DemoKind, number][] {
  const source = mix ?? DEFAULT_DEMO_MIX;
  const entries = Object.entries(source) as [string, number | undefined][];
  const weights: [DemoKind, number][] = [];
  for (const [kind, weight] of entries) {
    if (!(DEMO_KINDS as readonly string[]).includes(kind)) throw new RangeError(`demonstrator: mix names unknown kind ${JSON.stringify(kind)}`);
    if (weight === undefined) continue;
    if (!Number.isFinite(weight) || weight < 0) throw new RangeError(`demonstrator: mix weight of ${kind} must be a finite number >= 0, got ${weight}`);
    if (weight > 0) weights.push([kind as DemoKind, weight]);
  }
  if (weights.length === 0) throw new RangeError('demonstrator: mix gives no kind a positive weight');
  return weights.sort((a, b) => DEMO_KINDS.indexOf(a[0]) - DEMO_KINDS.indexOf(b[0]));
}

function pickWeighted(rng: Rng, weights: readonly [DemoKind, number][]): DemoKind {
  const total = weights.reduce((sum, [, w]) => sum + w, 0);
  let roll = rng.next() * total;
  for (const [kind, weight] of weights) {
    roll -= weight;
    if (roll < 0) return kind;
  }
  return weights[weights.length - 1]![0];
}

/** FNV-1a over UTF-16 code units: a stable 32-bit number for a doc id. */
function stringHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function checkTask(task: DemoTask): void {
  const where = `demonstrator: task ${JSON.stringify(task.docId)}`;
  if (!Number.isInteger(task.width) || !Number.isInteger(task.height) || task.width < 2 || task.height < 2) {
    throw new RangeError(`${where}: width/height must be integers >= 2, got ${task.width}x${task.height}`);
  }
  const [x0, y0, x1, y1] = task.gtBox;
  if (!(x0 >= 0 && y0 >= 0 && x1 > x0 && y1 > y0 && x1 < task.width && y1 < task.height)) {
    throw new RangeError(`${where}: gtBox [${task.gtBox.join(', ')}] must be a non-empty box inside the ${task.width}x${task.height} image, short of its last row and column (Mini-o3 crops never reach them)`);
  }
}
