import { exactMatch } from '../eval/exact-match';
import type { Size } from '../geometry/boxes';
import { replaceGrounding } from '../protocol/format-call';
import { parseAssistantTurn } from '../protocol/parse';
import { replayTrajectory } from '../protocol/replay';
import { REVIEW_STATUSES, type Outcome, type Review, type Trajectory, type Turn } from '../trajectory/schema';
import { withAnswer } from './answer-text';
import { EditError } from './edit-error';
import { textEditLabel } from './edit-label';
import type { EditAuthor, EditOp } from './edit-ops';
import { provenanceOf, reverted, withText } from './provenance';
import { applySnapshot, type InverseSnapshot } from './snapshot';
import { turnsWithChangedInput } from './stale';

/** Enough decimals for any pixel edge of a source up to 10 megapixels wide to survive Mini-o3's `int(r * side)`. */
const EDITED_BOX_DECIMALS = 7;

export interface EditContext {
  author: EditAuthor;
  /** Pixel size of the original image: sources and staleness are judged by replaying against it. */
  originalSize: Size;
}

export interface EditResult {
  trajectory: Trajectory;
  /** Applying it (`applySnapshot`) gives back the exact previous trajectory. */
  inverse: InverseSnapshot;
  /** For the undo stack: "Edit turn 3 reasoning", "Move box of turn 2"... */
  label: string;
  /** The first later turn whose input image this edit changed (it rests on the moved crop). */
  staleFrom?: number;
}

/** A change in the snapshot's shape: the turns replacing a range, and top-level fields. */
interface Change {
  turns?: { from: number; count: number; items: Turn[] };
  fields?: { review?: Review | null; outcome?: Outcome | null };
  label: string;
  /** The turn edited in place, whose later turns may now be stale. */
  inPlace?: number;
}

/** Applies one edit without touching `t`. Throws `EditError` for an op that cannot apply. */
export function applyEdit(t: Trajectory, op: EditOp, ctx: EditContext): EditResult {
  const change = changeFor(t, op, ctx);
  if (change.turns) {
    const outcome = outcomeAfter(t, change, ctx.originalSize);
    if (outcome !== undefined) change.fields = { ...change.fields, outcome };
  }
  const { trajectory, inverse } = applySnapshot(t, {
    kind: 'snapshot',
    ...(change.turns ? { turns: change.turns } : {}),
    ...(change.fields ? { fields: change.fields } : {}),
    keyOrder: Object.keys(t),
  });
  const result: EditResult = { trajectory, inverse, label: change.label };
  if (change.inPlace !== undefined) {
    const before = replayTrajectory(t, { originalSize: ctx.originalSize });
    const after = replayTrajectory(trajectory, { originalSize: ctx.originalSize });
    const stale = turnsWithChangedInput(before, after, change.inPlace + 1);
    if (stale.length > 0) result.staleFrom = stale[0]!;
  }
  return result;
}

function changeFor(t: Trajectory, op: EditOp, ctx: EditContext): Change {
  if (typeof op !== 'object' || op === null) throw new EditError('an edit must be an object with a "kind"');
  switch (op.kind) {
    case 'setTurnText': {
      const turn = turnAt(t, op.turn);
      const text = stringField(op.text, 'text');
      return replaceTurn(op.turn, withText(turn, text, ctx.author), textEditLabel(op.turn, turn.text, text));
    }
    case 'setBox': {
      const turn = turnAt(t, op.turn);
      const bbox = checkedBox(op.bbox);
      const grounding = parseAssistantTurn(turn.text).grounding;
      const source = op.source ?? grounding?.source ?? null;
      if (source === null) throw new EditError(`turn ${op.turn} has no call with a source: name the source of the box`);
      checkSource(t, op.turn, source, ctx.originalSize);
      if (!grounding && parseAssistantTurn(turn.text).answer !== null) {
        throw new EditError(`turn ${op.turn} gives an answer, not a tool call: a box cannot be set on it`);
      }
      const text = replaceGrounding(turn.text, bbox, source, EDITED_BOX_DECIMALS);
      const label = grounding && grounding.source !== source ? `Move box of turn ${op.turn} onto ${source}` : `Move box of turn ${op.turn}`;
      return { ...replaceTurn(op.turn, withText(turn, text, ctx.author), label), inPlace: op.turn };
    }
    case 'setSource': {
      const turn = turnAt(t, op.turn);
      const source = stringField(op.source, 'source');
      const grounding = parseAssistantTurn(turn.text).grounding;
      if (!grounding?.bbox || grounding.bbox.length !== 4) throw new EditError(`turn ${op.turn} has no call with a box whose source could change`);
      checkSource(t, op.turn, source, ctx.originalSize);
      const text = replaceGrounding(turn.text, grounding.bbox, source, EDITED_BOX_DECIMALS);
      return { ...replaceTurn(op.turn, withText(turn, text, ctx.author), `Crop turn ${op.turn} from ${source}`), inPlace: op.turn };
    }
    case 'setAnswer': {
      const last = t.turns.length - 1;
      if (last < 0) throw new EditError('the trajectory has no turns to hold an answer');
      const turn = t.turns[last]!;
      const text = withAnswer(turn.text, stringField(op.text, 'text'), last);
      return replaceTurn(last, withText(turn, text, ctx.author), 'Edit answer');
    }
    case 'insertTurn': {
      const at = index(op.at, 'at');
      if (at > t.turns.length) throw new EditError(`cannot insert at ${at}: the trajectory has ${t.turns.length} turns (0..${t.turns.length} allowed)`);
      return { turns: { from: at, count: 0, items: [{ text: stringField(op.text, 'text') }] }, label: `Insert turn ${at}` };
    }
    case 'deleteTurn': {
      turnAt(t, op.turn);
      if (t.turns.length === 1) throw new EditError('cannot delete the only turn of the trajectory');
      return { turns: { from: op.turn, count: 1, items: [] }, label: `Delete turn ${op.turn}` };
    }
    case 'truncateAfter': {
      turnAt(t, op.turn);
      const dropped = t.turns.length - op.turn - 1;
      if (dropped === 0) throw new EditError(`turn ${op.turn} is the last turn: nothing comes after it`);
      return { turns: { from: op.turn + 1, count: dropped, items: [] }, label: `Truncate after turn ${op.turn} (${dropped} turn${dropped === 1 ? '' : 's'})` };
    }
    case 'revertTurn': {
      const turn = turnAt(t, op.turn);
      if (!provenanceOf(turn)) throw new EditError(`turn ${op.turn} was never edited: there is nothing to revert`);
      return { ...replaceTurn(op.turn, reverted(turn), `Revert turn ${op.turn}`), inPlace: op.turn };
    }
    case 'setReview': {
      if (!(REVIEW_STATUSES as readonly unknown[]).includes(op.status)) {
        throw new EditError(`unknown review status ${JSON.stringify(op.status)}: expected one of ${REVIEW_STATUSES.join(', ')}`);
      }
      const review: Review = { ...reviewOf(t), status: op.status, by: ctx.author.name, at: ctx.author.at };
      return { fields: { review }, label: `Mark ${op.status.replace('_', ' ')}` };
    }
    case 'toggleLabel': {
      const label = stringField(op.label, 'label').trim();
      if (label === '') throw new EditError('a review label cannot be empty');
      const review = reviewOf(t);
      const labels = review.labels ?? [];
      const has = labels.includes(label);
      const next = has ? labels.filter((l) => l !== label) : [...labels, label];
      const updated: Review = { ...review };
      if (next.length > 0) updated.labels = next;
      else delete updated.labels;
      return { fields: { review: updated }, label: `${has ? 'Remove' : 'Add'} label "${label}"` };
    }
    case 'setNotes': {
      const notes = stringField(op.notes, 'notes');
      const updated: Review = { ...reviewOf(t) };
      if (notes.trim() !== '') updated.notes = notes;
      else delete updated.notes;
      return { fields: { review: updated }, label: notes.trim() === '' ? 'Clear notes' : 'Edit notes' };
    }
    default: {
      const kind = (op as { kind?: unknown }).kind;
      throw new EditError(`unknown edit kind ${JSON.stringify(kind)}`);
    }
  }
}

function replaceTurn(turn: number, next: Turn, label: string): Change {
  return { turns: { from: turn, count: 1, items: [next] }, label };
}

function reviewOf(t: Trajectory): Review {
  return t.review ? { ...t.review } : { status: 'unreviewed' };
}

function index(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new EditError(`${field} must be a whole number >= 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

function turnAt(t: Trajectory, turn: unknown): Turn {
  const i = index(turn, 'turn');
  if (i >= t.turns.length) throw new EditError(`turn ${i} is out of range: the trajectory has ${t.turns.length} turn${t.turns.length === 1 ? '' : 's'}`);
  return t.turns[i]!;
}

function stringField(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new EditError(`${field} must be a string, got ${typeof value}`);
  return value;
}

function checkedBox(bbox: unknown): [number, number, number, number] {
  if (!Array.isArray(bbox) || bbox.length !== 4 || bbox.some((v) => typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1)) {
    throw new EditError(`bbox must be 4 numbers in [0, 1] (relative to its source), got ${JSON.stringify(bbox)}`);
  }
  const [x0, y0, x1, y1] = bbox as [number, number, number, number];
  if (x0 >= x1 || y0 >= y1) throw new EditError(`bbox must have x0 < x1 and y0 < y1, got [${bbox.join(', ')}]`);
  return [x0, y0, x1, y1];
}

/** The source must name the original or an observation some earlier turn made. */
function checkSource(t: Trajectory, turn: number, source: string, originalSize: Size): void {
  const made = replayTrajectory(t, { originalSize }).observations.filter((o) => o.turn < turn);
  const names = made.map((o) => (o.index === 0 ? 'original_image' : `observation_${o.index}`));
  if (!names.includes(source)) {
    throw new EditError(`unknown source ${JSON.stringify(source)} for turn ${turn}: before it there ${names.length === 1 ? 'is' : 'are'} ${names.join(', ')}`);
  }
}

/** The recorded outcome once the final answer changed: answer and exact-match correctness follow it. */
function outcomeAfter(t: Trajectory, change: Change, originalSize: Size): Outcome | undefined {
  if (!t.outcome || !change.turns) return undefined;
  const { from, count, items } = change.turns;
  const turns = [...t.turns.slice(0, from), ...items, ...t.turns.slice(from + count)];
  const before = replayTrajectory(t, { originalSize }).answer;
  const after = replayTrajectory({ ...t, turns }, { originalSize }).answer;
  if (before === after) return undefined;
  const outcome: Outcome = { ...t.outcome, answer: after };
  if ('correct' in outcome || t.task.answer !== undefined) outcome.correct = t.task.answer !== undefined ? exactMatch(after, t.task.answer) : null;
  return outcome;
}
