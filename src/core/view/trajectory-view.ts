import type { Json, ObservationView, SizePx, TrajectoryView, TurnView } from '../../protocol';
import type { AnalyzedRecord } from '../analysis/analyze-record';
import { minio3CropResizeSize, minio3InitialResizeSize, smartResize } from '../imaging';
import { replayTrajectory, type ObservationInfo, type TurnReplay } from '../protocol/replay';
import type { ValidRecord } from '../store';
import type { Finding } from '../trajectory/findings';
import { limitsOf, reviewStatusOf, type Trajectory, type Turn } from '../trajectory/schema';

/** Qwen2.5-VL: 14-pixel patches merged 2x2, so one image token per 28x28 pixels. */
const TOKEN_SIDE = 28;

/**
 * When the original's size is unknown (missing file, no `image_size`), turns are still replayed
 * for their actions against this stand-in size, with the pixel geometry left out.
 */
const STAND_IN_SIZE = { width: 100_000, height: 100_000 };
const GEOMETRY_UNCHECKED = "geometry unchecked: the original image's size is unknown";

export interface TrajectoryViewInput {
  record: ValidRecord;
  analyzed: AnalyzedRecord;
  /** The file as messages name it. */
  displayName: string;
}

/** Everything the detail view and the tree show about one trajectory. */
export function buildTrajectoryView({ record, analyzed, displayName }: TrajectoryViewInput): TrajectoryView {
  const t = record.trajectory;
  const limits = limitsOf(t);
  const bounds = { minPixels: limits.min_pixels, maxPixels: limits.max_pixels };
  const findings = [...analyzed.findings];
  const replay = analyzed.replay;
  const turnReplays = replay ? replay.turns : standInTurns(t);
  const observations = replay
    ? replay.observations.map((o) => observationView(o, bounds, (message) => findings.push({ severity: 'warning', file: displayName, line: record.line, field: `observations.${o.index}`, message })))
    : [];
  const summary = analyzed.summary;
  return {
    line: record.line,
    id: t.id,
    task: {
      id: t.task.id,
      question: t.task.question,
      answer: t.task.answer ?? null,
      gtBox: t.task.gt_box ?? null,
      dataSource: t.task.data_source ?? null,
    },
    model: t.model ? { name: t.model.name, synthetic: t.model.synthetic === true } : null,
    limits: {
      max_turns: limits.max_turns,
      max_images: limits.max_images,
      min_pixels: limits.min_pixels,
      max_pixels: limits.max_pixels,
      max_context: limits.max_context,
    },
    status: replay ? replay.status : null,
    answer: summary?.answer ?? null,
    correct: summary?.correct ?? null,
    reviewStatus: reviewStatusOf(t),
    fork: t.fork ? { trajectoryId: t.fork.trajectory_id, turn: t.fork.turn } : null,
    turns: t.turns.map((turn, index) => turnView(turn, index, turnReplays[index], turnReplays.length)),
    observations,
    findings: findingViews(findings, record.line),
    // JSON.parse produced it, so it is JSON by construction.
    raw: record.raw as Json,
  };
}

/** What the model saw of an observation: Mini-o3's rescale (LANCZOS for the original, NEAREST for crops), then Qwen's smart_resize. */
export function modelViewOf(size: SizePx, index: number, bounds: { minPixels: number; maxPixels: number }): { modelSize: SizePx; modelTokens: number } {
  const steps = index === 0
    ? minio3InitialResizeSize(size.width, size.height, bounds, 'original image')
    : minio3CropResizeSize(size.width, size.height, bounds, `observation_${index}`);
  const rescaled = steps.at(-1) ?? size;
  // The trajectory's own pixel bounds, as LLaMA-Factory's image_min/max_pixels configure the processor.
  const resized = smartResize(rescaled.height, rescaled.width, { factor: TOKEN_SIDE, ...bounds });
  return {
    modelSize: { width: resized.width, height: resized.height },
    modelTokens: (resized.height / TOKEN_SIDE) * (resized.width / TOKEN_SIDE),
  };
}

function observationView(o: ObservationInfo, bounds: { minPixels: number; maxPixels: number }, warn: (message: string) => void): ObservationView {
  let model: { modelSize: SizePx; modelTokens: number };
  try {
    model = modelViewOf(o.size, o.index, bounds);
  } catch (error) {
    warn(`cannot size it for the model: ${error instanceof Error ? error.message : String(error)}`);
    model = { modelSize: { width: 0, height: 0 }, modelTokens: 0 };
  }
  return {
    index: o.index,
    turn: o.turn,
    size: { width: o.size.width, height: o.size.height },
    ...model,
    rectInOriginal: [...o.rectInOriginal],
  };
}

function standInTurns(t: Trajectory): TurnReplay[] {
  return replayTrajectory(t, { originalSize: STAND_IN_SIZE }).turns.map((r) => {
    const { pixelBox: _pixelBox, boxInOriginal: _boxInOriginal, ...rest } = r;
    return r.action === 'crop' || r.action === 'error' ? { ...rest, findings: [...rest.findings, GEOMETRY_UNCHECKED] } : rest;
  });
}

function turnView(turn: Turn, index: number, r: TurnReplay | undefined, replayed: number): TurnView {
  const view: TurnView = {
    index,
    text: turn.text,
    think: null,
    answer: null,
    grounding: null,
    action: 'void',
    status: 'void',
    feedback: null,
    findings: [`turn ${index} comes after the trajectory ended at turn ${replayed - 1}: Mini-o3 would never generate it`],
    edited: turn.edit !== undefined,
  };
  if (r) {
    const g = r.parsed.grounding;
    Object.assign(view, {
      think: r.parsed.think,
      answer: r.parsed.answer,
      grounding: g ? { raw: g.raw, bbox: g.bbox, source: g.source } : null,
      action: r.action,
      status: r.status,
      feedback: r.feedback,
      findings: r.findings,
    });
    if (r.errorInfo !== undefined) view.errorInfo = r.errorInfo;
    if (r.sourceIndex !== undefined) view.sourceIndex = r.sourceIndex;
    if (r.pixelBox) view.pixelBox = [...r.pixelBox];
    if (r.boxInOriginal) view.boxInOriginal = [...r.boxInOriginal];
    if (r.observationIndex !== undefined) view.observationIndex = r.observationIndex;
  }
  const tokens = numbersOf(turn.tokens, ['prompt', 'completion']);
  if (tokens) view.tokens = tokens;
  const timing = numbersOf(turn.timing, ['ms', 'first_token_ms']);
  if (timing) view.timing = timing;
  return view;
}

function numbersOf<K extends string>(value: Partial<Record<K, unknown>> | undefined, keys: K[]): Partial<Record<K, number>> | null {
  if (!value) return null;
  const out: Partial<Record<K, number>> = {};
  let any = false;
  for (const key of keys) {
    const v = value[key];
    if (typeof v === 'number') {
      out[key] = v;
      any = true;
    }
  }
  return any ? out : null;
}

/** Errors before warnings (stable), and without a repeated `file:line: field:` prefix inside the message. */
function findingViews(findings: Finding[], line: number): TrajectoryView['findings'] {
  const rank = (f: Finding) => (f.severity === 'error' ? 0 : 1);
  return findings
    .map((f, order) => ({ f, order }))
    .sort((a, b) => rank(a.f) - rank(b.f) || a.order - b.order)
    .map(({ f }) => {
      const prefix = `${f.file}:${line}: ${f.field ? `${f.field}: ` : ''}`;
      const message = f.message.startsWith(prefix) ? f.message.slice(prefix.length) : f.message;
      return { severity: f.severity, field: f.field, message };
    });
}
