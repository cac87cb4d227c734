import type { Json, ObservationView, RowSummary, TrajectoryView, TurnView } from '../../../src/protocol';
import type { AnalyzedRecord } from '../../../src/core/analysis/analyze-record';
import type { ValidRecord } from '../../../src/core/store';
import { parseAssistantTurn } from '../../../src/core/protocol';
import { limitsOf } from '../../../src/core/trajectory/schema';
import { minio3CropResizeSize, minio3InitialResizeSize, smartResize } from '../../../src/core/imaging';
import type { Size } from '../../../src/core/geometry';

/** Mini-o3's rescale, then Qwen's smart_resize: the size the model saw and its image tokens. */
export function modelSizeOf(size: Size, index: number, bounds: { minPixels: number; maxPixels: number }): { modelSize: Size; modelTokens: number } {
  const steps = index === 0 ? minio3InitialResizeSize(size.width, size.height, bounds) : minio3CropResizeSize(size.width, size.height, bounds);
  const rescaled = steps.at(-1) ?? size;
  const resized = smartResize(rescaled.height, rescaled.width, { factor: 28, minPixels: bounds.minPixels, maxPixels: bounds.maxPixels });
  return { modelSize: { width: resized.width, height: resized.height }, modelTokens: (resized.width / 28) * (resized.height / 28) };
}

export function rowSummaryOf(analyzed: AnalyzedRecord): RowSummary {
  const s = analyzed.summary!;
  return {
    line: s.line,
    id: s.id,
    taskId: s.taskId,
    question: s.question,
    dataSource: s.dataSource,
    status: s.status,
    turns: s.turns,
    correct: s.correct,
    reviewStatus: s.reviewStatus,
    answer: s.answer,
    broken: false,
  };
}

/** The protocol's TrajectoryView of a valid record, as a host would build it from the core's replay. */
export function trajectoryViewOf(record: ValidRecord, analyzed: AnalyzedRecord): TrajectoryView {
  const t = record.trajectory;
  const replay = analyzed.replay;
  const limits = limitsOf(t);
  const bounds = { minPixels: limits.min_pixels, maxPixels: limits.max_pixels };
  const turns: TurnView[] = t.turns.map((turn, index): TurnView => {
    const r = replay?.turns[index];
    const parsed = r?.parsed ?? parseAssistantTurn(turn.text);
    const view: TurnView = {
      index,
      text: turn.text,
      think: parsed.think,
      answer: parsed.answer,
      grounding: parsed.grounding ? { raw: parsed.grounding.raw, bbox: parsed.grounding.bbox, source: parsed.grounding.source } : null,
      // Without the original image's size the geometry cannot be replayed; the turn is shown as text.
      action: r?.action ?? (parsed.grounding ? 'error' : 'answer'),
      status: r?.status ?? 'valid',
      feedback: r?.feedback ?? null,
      findings: r?.findings ?? parsed.problems,
      edited: turn.edit !== undefined,
    };
    if (r?.errorInfo !== undefined) view.errorInfo = r.errorInfo;
    if (r?.sourceIndex !== undefined) view.sourceIndex = r.sourceIndex;
    if (r?.pixelBox) view.pixelBox = r.pixelBox;
    if (r?.boxInOriginal) view.boxInOriginal = r.boxInOriginal;
    if (r?.observationIndex !== undefined) view.observationIndex = r.observationIndex;
    if (turn.tokens) view.tokens = { prompt: turn.tokens.prompt, completion: turn.tokens.completion };
    if (turn.timing) view.timing = { ms: turn.timing.ms, first_token_ms: turn.timing.first_token_ms };
    return view;
  });
  const observations: ObservationView[] = (replay?.observations ?? []).map((o) => ({
    index: o.index,
    turn: o.turn,
    size: o.size,
    rectInOriginal: o.rectInOriginal,
    ...modelSizeOf(o.size, o.index, bounds),
  }));
  const findings = [...analyzed.findings]
    .sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1))
    .map((f) => ({ severity: f.severity, field: f.field, message: f.message }));
  const summary = analyzed.summary!;
  return {
    line: record.line,
    id: t.id,
    task: { id: t.task.id, question: t.task.question, answer: t.task.answer ?? null, gtBox: t.task.gt_box ?? null, dataSource: t.task.data_source ?? null },
    model: t.model ? { name: t.model.name, synthetic: t.model.synthetic === true } : null,
    limits: { max_turns: limits.max_turns, max_images: limits.max_images, min_pixels: limits.min_pixels, max_pixels: limits.max_pixels, max_context: limits.max_context },
    status: summary.status,
    answer: summary.answer,
    correct: summary.correct,
    reviewStatus: summary.reviewStatus,
    fork: t.fork ? { trajectoryId: t.fork.trajectory_id, turn: t.fork.turn } : null,
    turns,
    observations,
    findings,
    raw: record.raw as Json,
  };
}
