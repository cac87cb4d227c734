import { parseAssistantTurn } from '../protocol/parse';
import type { Box4, Turn } from '../trajectory/schema';
import type { EditAuthor } from './edit-ops';

/** A turn's edit provenance as this module writes it (the schema keeps the extra fields). */
export interface TurnProvenance {
  /** The text before the first edit, kept across later edits. */
  original_text: string;
  by?: string;
  at?: string;
  /** The call's box before the first edit (relative to `original_source`), present when the box or source changed. */
  original_box?: Box4;
  original_source?: string;
  [key: string]: unknown;
}

export function provenanceOf(turn: Turn): TurnProvenance | null {
  const edit = turn.edit as TurnProvenance | undefined;
  return edit && typeof edit.original_text === 'string' ? edit : null;
}

/** The text the turn had before anyone edited it. */
export function originalTextOf(turn: Turn): string {
  return provenanceOf(turn)?.original_text ?? turn.text;
}

/**
 * The turn with `text`, keeping the first original: provenance records who edited it last and,
 * when the call moved, the original box; writing the original text back removes the provenance.
 */
export function withText(turn: Turn, text: string, author: EditAuthor): Turn {
  const original = originalTextOf(turn);
  const { edit: _previous, ...rest } = turn;
  if (text === original) return { ...rest, text };
  const edit: TurnProvenance = { ...(provenanceOf(turn) ?? {}), original_text: original, by: author.name, at: author.at };
  delete edit.original_box;
  delete edit.original_source;
  const before = parseAssistantTurn(original).grounding;
  const after = parseAssistantTurn(text).grounding;
  if (before?.bbox && before.bbox.length === 4 && before.source !== null) {
    const moved = !after || after.source !== before.source || JSON.stringify(after.bbox) !== JSON.stringify(before.bbox);
    if (moved) {
      edit.original_box = [before.bbox[0]!, before.bbox[1]!, before.bbox[2]!, before.bbox[3]!];
      edit.original_source = before.source;
    }
  }
  return { ...rest, text, edit };
}

/** The turn as it was before any edit. */
export function reverted(turn: Turn): Turn {
  const { edit: _edit, ...rest } = turn;
  return { ...rest, text: originalTextOf(turn) };
}
