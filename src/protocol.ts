/**
 * The typed messages between the extension host and the trajectory editor's webview.
 * Types only (plus the literal lists they are built from): both sides import this file, and
 * the webview speaks nothing else. Requests carry an id and time out; events do not answer.
 * Images never travel inside these messages as base64: they are webview URIs of files the
 * host wrote to its cache.
 */
import type { Box4, ReviewStatus, StatusLabel } from './core/trajectory/schema';
import type { EditOp } from './core/edit/edit-ops';
import type { TrajectorySummary } from './core/analysis/analyze-record';

export type { EditOp };

// ---------------------------------------------------------------- shared shapes

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface SizePx {
  width: number;
  height: number;
}

/** One row of the trajectory list: what the list, filters and sort need (the core's summary of a line). */
export interface RowSummary extends Omit<TrajectorySummary, 'synthetic' | 'maxTurns'> {
  /** Lines that do not parse are rows too, so nothing is hidden. */
  broken: false;
}

export interface BrokenRow {
  line: number;
  broken: true;
  /** `file:line: reason`. */
  message: string;
  /** The first 200 characters of the line, as text. */
  preview: string;
}

export type Row = RowSummary | BrokenRow;

export type SortKey = 'line' | 'id' | 'status' | 'turns' | 'correct' | 'review' | 'dataSource';

export interface RowFilter {
  /** Case-insensitive text search over id, task id, question and answer. */
  text?: string;
  statuses?: (StatusLabel | 'unchecked' | 'broken')[];
  correct?: (boolean | null)[];
  reviewStatuses?: ReviewStatus[];
  dataSources?: string[];
  minTurns?: number;
  maxTurns?: number;
}

export interface RowQuery {
  filter: RowFilter;
  sort: { key: SortKey; descending: boolean };
  offset: number;
  limit: number;
}

/** Live counts over the rows matching the filter (and over all rows). */
export interface RowCounts {
  total: number;
  matching: number;
  byStatus: Record<string, number>;
  byReview: Record<string, number>;
  correct: number;
  withAnswerKey: number;
  dataSources: string[];
}

/** An image the webview may show; `uri` is a webview URI, `null` with `error` when it could not be made. */
export interface ImageRef {
  uri: string | null;
  width: number;
  height: number;
  error?: string;
}

/** One turn of the selected trajectory, derived by replaying Mini-o3's harness. */
export interface TurnView {
  index: number;
  text: string;
  /** Parsed parts; null where absent. */
  think: string | null;
  answer: string | null;
  grounding: { raw: string; bbox: number[] | null; source: string | null } | null;
  action: 'crop' | 'error' | 'answer' | 'over_turn' | 'void';
  status: StatusLabel;
  errorInfo?: string;
  /** Index of the image the call cropped from (0 = original) and the box in that image's pixels. */
  sourceIndex?: number;
  pixelBox?: Box4;
  /** The same rectangle in original-image pixels. */
  boxInOriginal?: Box4;
  /** The observation this turn created (1-based). */
  observationIndex?: number;
  /** The message the harness appended after this turn. */
  feedback: string | null;
  findings: string[];
  tokens?: { prompt?: number; completion?: number };
  timing?: { ms?: number; first_token_ms?: number };
  edited: boolean;
  /** A later turn whose image or reasoning rests on an edited earlier observation. */
  stale?: boolean;
}

export interface ObservationView {
  /** 0 = the original image. */
  index: number;
  turn: number;
  /** Size before the resize (what `observation_N` coordinates refer to). */
  size: SizePx;
  /** Size the model saw after Mini-o3's rescale and Qwen's smart_resize. */
  modelSize: SizePx;
  modelTokens: number;
  rectInOriginal: Box4;
}

export interface TrajectoryView {
  line: number;
  id: string;
  task: { id: string; question: string; answer: string | null; gtBox: Box4 | null; dataSource: string | null };
  model: { name: string; synthetic: boolean } | null;
  limits: { max_turns: number; max_images: number; min_pixels: number; max_pixels: number; max_context: number };
  status: StatusLabel | null;
  answer: string | null;
  correct: boolean | null;
  reviewStatus: ReviewStatus;
  fork: { trajectoryId: string; turn: number } | null;
  turns: TurnView[];
  observations: ObservationView[];
  /** `file:line: field: message` lines, errors first. */
  findings: { severity: 'error' | 'warning'; field: string; message: string }[];
  /** The whole line as stored, for the raw view. */
  raw: Json;
}

/** Which picture of an image to make: the file itself, a thumbnail, or an observation's crop. */
export type ImageRequest =
  | { line: number; kind: 'original'; maxSide?: number }
  | { line: number; kind: 'thumbnail'; observation: number; maxSide: number }
  | { line: number; kind: 'crop'; observation: number }
  | { line: number; kind: 'model'; observation: number };

/** A task's search tree: every trajectory of the task, so rollouts and forks branch from one root. */
export interface TaskTreeView {
  taskId: string;
  trajectories: TrajectoryView[];
}

/** One turn as the search tree draws it: no text beyond the reasoning's first line, no findings. */
export interface TreeTurnView {
  index: number;
  action: TurnView['action'];
  status: StatusLabel;
  /** The first line of the reasoning (the node's caption), null where there is none. */
  think: string | null;
  answer: string | null;
  sourceIndex?: number;
  pixelBox?: Box4;
  boxInOriginal?: Box4;
  observationIndex?: number;
}

/** One trajectory as the search tree needs it (a slim TrajectoryView). */
export interface TreeTrajectoryView {
  line: number;
  id: string;
  status: StatusLabel | null;
  correct: boolean | null;
  fork: { trajectoryId: string; turn: number } | null;
  turns: TreeTurnView[];
  /** The original image's size before any resize, null when it could not be read. */
  originalSize: SizePx | null;
}

/** A task's search tree in slim form: what the tree draws; the selected line comes from getTrajectory. */
export interface SlimTaskTreeView {
  taskId: string;
  trajectories: TreeTrajectoryView[];
}

export interface DatasetChartsView {
  turnsHistogram: { turns: number; count: number }[];
  accuracyByTurns: { turns: number; total: number; correct: number }[];
  statusBreakdown: { status: string; count: number }[];
  /** Present when the file holds runs with different max-turn limits (test-time scaling). */
  accuracyByMaxTurns: { maxTurns: number; total: number; correct: number }[];
}

// ---------------------------------------------------------------- requests: webview -> host

export interface HostRequests {
  queryRows: { params: RowQuery; result: { rows: Row[]; counts: RowCounts; indexing: boolean } };
  getTrajectory: { params: { line: number }; result: TrajectoryView };
  getTaskTree: { params: { taskId: string }; result: TaskTreeView };
  /** The same trajectories as getTaskTree, slim (about a tenth of the bytes): what the webview's tree uses. */
  getSlimTaskTree: { params: { taskId: string }; result: SlimTaskTreeView };
  getImage: { params: ImageRequest; result: ImageRef };
  getCharts: { params: { filter: RowFilter }; result: DatasetChartsView };
  /** Opens the line in a text editor beside (raw JSON). */
  revealLine: { params: { line: number }; result: null };

  // ---- editing and curation (issue 4)
  /** Applies one edit; the host records it on VS Code's undo stack. Fails with a message when the op is invalid. */
  applyEdit: { params: { line: number; op: EditOp; label?: string }; result: { view: TrajectoryView; summary: RowSummary } };
  /** A live re-crop while a box is dragged: the crop the model would see for this box (nothing is changed). */
  previewCrop: { params: { line: number; turn: number; bbox: [number, number, number, number]; source: string }; result: ImageRef };
  /** Lines matching the filter in list order, for the review queue; `reviewed` counts those not 'unreviewed'. */
  reviewQueue: { params: { filter: RowFilter; sort: RowQuery['sort'] }; result: { lines: number[]; reviewed: number } };
  /** Original against edited for one turn (text and box), from the turn's provenance. */
  turnDiff: { params: { line: number; turn: number }; result: TurnDiffView };
  /** Two trajectories of the same task aligned by turn. */
  compare: { params: { a: number; b: number }; result: ComparisonView };
  /** The label set from settings (`miniO3.reviewLabels`), keys 1-9 toggle them in order. */
  getLabelSet: { params: Record<string, never>; result: { labels: string[] } };
  /** Runs the command `miniO3.regenerateFromTurn` for this line: keep the turns before `turn`, let the model write the rest. */
  regenerateFromTurn: { params: { line: number; turn: number }; result: null };
}

export interface TurnDiffView {
  turn: number;
  original: string | null;
  edited: string;
  /** Character-level diff of original -> edited. */
  parts: { kind: 'same' | 'added' | 'removed'; text: string }[];
  /** IoU in original-image pixels between the original and the edited crop, when both are crops. */
  boxIoU: number | null;
  by: string | null;
  at: string | null;
}

export interface ComparisonView {
  a: TrajectoryView;
  b: TrajectoryView;
  /** One row per turn index present in either; IoU of the regions chosen (original-image pixels) and a text diff. */
  rows: { turn: number; iou: number | null; textDistance: number; diff: { kind: 'same' | 'added' | 'removed'; text: string }[] }[];
}

// ---------------------------------------------------------------- events: host -> webview

export interface WebviewEvents {
  /** First message after the webview says `ready`. */
  init: { fileName: string; readonly: boolean; keybindingsHelp: boolean };
  /** Rows were indexed or summarized; the list should re-query what it shows. */
  rowsChanged: { total: number; indexing: boolean };
  /** A turn or trajectory was appended to an open trajectory (live search); the tree and list update in place. */
  trajectoryChanged: { line: number; summary: RowSummary };
  /** A host command asks the webview to select something (e.g. after "Run visual search"). */
  select: { line: number; turn?: number };
  /** The document's dirty state changed (edits, undo to the saved state, save, revert). */
  dirtyChanged: { dirty: boolean };
  /** A host command asks for a mode: the review queue, or the comparison of two lines. */
  openReviewQueue: { filter?: RowFilter };
  openComparison: { a: number; b: number };
}

// ---------------------------------------------------------------- events: webview -> host

export interface HostEvents {
  ready: Record<string, never>;
  /** The webview hit an error it could not show inline. */
  error: { message: string };
  /** Selection changed (the host mirrors it in the status bar). */
  selection: { line: number | null; turn: number | null };
}

// ---------------------------------------------------------------- envelope

export type RequestName = keyof HostRequests;

export type Envelope =
  | { kind: 'request'; id: number; name: string; params: unknown }
  | { kind: 'response'; id: number; ok: true; result: unknown }
  | { kind: 'response'; id: number; ok: false; error: string }
  | { kind: 'event'; name: string; body: unknown };

/** How long the webview waits for a reply before failing the request. */
export const REQUEST_TIMEOUT_MS = 30_000;
