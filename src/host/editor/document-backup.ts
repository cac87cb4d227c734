import { applyEdit } from '../../core/edit/apply-edit';
import type { EditLogEntry } from '../../core/edit/edit-log';
import type { Trajectory } from '../../core/trajectory/schema';

/** The file's line as the edits start from it; null when the line is gone or not a trajectory. */
export type ReadLine = (line: number) => Promise<Trajectory | null>;

export interface ReplayedEdit {
  entry: EditLogEntry;
  before: Trajectory;
  after: Trajectory;
}

export interface RestoredEdits {
  /** Edits that re-applied exactly as logged, in order, with the values they produced. */
  applied: ReplayedEdit[];
  /** Edits that did not, each with why (`file:line: "label": reason`). */
  failures: { entry: EditLogEntry; reason: string }[];
}

/**
 * Re-applies a hot-exit backup's edit log (the edit model's format) to the file's lines in
 * order. Unlike the edit model's all-or-nothing replay, an edit that no longer applies (the
 * file changed since: the line is gone, or its trajectory differs from the one the edit was
 * made on, which the logged inverse reveals) is reported and skipped, and so is every later
 * edit of the same line, which rested on it. Edits of other lines still apply.
 */
export async function restoreEditLog(entries: readonly EditLogEntry[], readLine: ReadLine, fileName: string): Promise<RestoredEdits> {
  const current = new Map<number, Trajectory | null>();
  const blocked = new Set<number>();
  const applied: ReplayedEdit[] = [];
  const failures: RestoredEdits['failures'] = [];
  for (const entry of entries) {
    const where = `${fileName}:${entry.line}: "${entry.label}"`;
    if (blocked.has(entry.line)) {
      failures.push({ entry, reason: `${where}: skipped, an earlier edit of this line did not apply` });
      continue;
    }
    if (!current.has(entry.line)) current.set(entry.line, await readLine(entry.line).catch(() => null));
    const before = current.get(entry.line);
    if (!before) {
      blocked.add(entry.line);
      failures.push({ entry, reason: `${where}: the line is gone or no longer holds a trajectory` });
      continue;
    }
    let reason: string | null = null;
    let after: Trajectory | null = null;
    try {
      const result = applyEdit(before, entry.op, { author: entry.author, originalSize: entry.originalSize });
      if (JSON.stringify(result.inverse) === JSON.stringify(entry.inverse)) after = result.trajectory;
      else reason = 'the trajectory on disk differs from the one the edit was made on (the file changed since)';
    } catch (error) {
      reason = `no longer applies: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (!after) {
      blocked.add(entry.line);
      failures.push({ entry, reason: `${where}: ${reason}` });
      continue;
    }
    current.set(entry.line, after);
    applied.push({ entry, before, after });
  }
  return { applied, failures };
}
