import type { Size } from '../geometry/boxes';
import type { Trajectory } from '../trajectory/schema';
import { applyEdit } from './apply-edit';
import type { EditAuthor, EditOp } from './edit-ops';
import type { InverseSnapshot } from './snapshot';

export const EDIT_LOG_FORMAT = 'mini-o3-studio/edit-log@1';

/** One applied edit as a hot-exit backup holds it: re-applying `op` must reproduce `inverse`. */
export interface EditLogEntry {
  /** 1-based line of the trajectory in its file. */
  line: number;
  op: EditOp;
  inverse: InverseSnapshot;
  label: string;
  author: EditAuthor;
  originalSize: Size;
}

export class EditLogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EditLogError';
  }
}

export function serializeEditLog(entries: readonly EditLogEntry[]): string {
  return JSON.stringify({ format: EDIT_LOG_FORMAT, entries });
}

/** Parses a backup; `where` names it in messages. Shapes are checked here, ops when they re-apply. */
export function parseEditLog(text: string, where = 'edit log'): EditLogEntry[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new EditLogError(`${where}: not JSON: ${(e as Error).message}`);
  }
  const log = value as { format?: unknown; entries?: unknown };
  if (typeof log !== 'object' || log === null || log.format !== EDIT_LOG_FORMAT) {
    throw new EditLogError(`${where}: format must be "${EDIT_LOG_FORMAT}"`);
  }
  if (!Array.isArray(log.entries)) throw new EditLogError(`${where}: entries must be a list`);
  return log.entries.map((raw: unknown, i: number) => {
    const e = raw as Partial<EditLogEntry> | null;
    const bad = (field: string): never => {
      throw new EditLogError(`${where}: entries.${i}.${field} is missing or malformed`);
    };
    if (typeof e !== 'object' || e === null) return bad('(entry)');
    if (!Number.isInteger(e.line) || (e.line as number) < 1) bad('line');
    if (typeof e.op !== 'object' || e.op === null || typeof (e.op as { kind?: unknown }).kind !== 'string') bad('op');
    if (typeof e.inverse !== 'object' || e.inverse === null || e.inverse.kind !== 'snapshot' || !Array.isArray(e.inverse.keyOrder)) bad('inverse');
    if (typeof e.label !== 'string') bad('label');
    if (typeof e.author !== 'object' || e.author === null || typeof e.author.name !== 'string' || typeof e.author.at !== 'string') bad('author');
    const s = e.originalSize;
    if (typeof s !== 'object' || s === null || !(s.width > 0) || !(s.height > 0)) bad('originalSize');
    return e as EditLogEntry;
  });
}

/**
 * Re-applies a log to the trajectories as loaded (by line), in order, and returns the edited
 * ones. An edit whose re-application differs from what was logged means the file changed since
 * the backup: that is an error, never a silent different result.
 */
export function replayEditLog(original: ReadonlyMap<number, Trajectory>, log: readonly EditLogEntry[]): Map<number, Trajectory> {
  const current = new Map<number, Trajectory>();
  log.forEach((entry, i) => {
    const t = current.get(entry.line) ?? original.get(entry.line);
    if (!t) throw new EditLogError(`edit ${i} ("${entry.label}"): line ${entry.line} holds no trajectory now`);
    let result;
    try {
      result = applyEdit(t, entry.op, { author: entry.author, originalSize: entry.originalSize });
    } catch (e) {
      throw new EditLogError(`edit ${i} ("${entry.label}") on line ${entry.line} no longer applies: ${(e as Error).message}`);
    }
    if (JSON.stringify(result.inverse) !== JSON.stringify(entry.inverse)) {
      throw new EditLogError(`edit ${i} ("${entry.label}") on line ${entry.line}: the trajectory differs from the one the edit was made on (the file changed since the backup)`);
    }
    current.set(entry.line, result.trajectory);
  });
  return current;
}
