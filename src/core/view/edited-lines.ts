import type { EditLogEntry } from '../edit/edit-log';
import type { Trajectory } from '../trajectory/schema';

/** One entry of the undo stack: the log entry plus the line's value before and after, so undo/redo never re-derive it. */
export interface EditEntry extends EditLogEntry {
  readonly id: number;
  /** The entry that was on top before this one (0: none). */
  readonly previous: number;
  readonly before: Trajectory;
  /** `before` was the file's own line (no edit over it) in file generation `generation`. */
  readonly beforeFromFile: boolean;
  readonly generation: number;
  readonly after: Trajectory;
}

export type NewEdit = Omit<EditEntry, 'id' | 'previous' | 'beforeFromFile' | 'generation'>;

/** What a hot-exit backup can hold: the edits in effect since the save point, in order. */
export interface EditLogSinceSave {
  entries: EditLogEntry[];
  /** Saved edits undone since the save: an op log cannot express taking them back, so a backup misses them. */
  undoneSavedEdits: number;
}

/**
 * The unsaved edits of one trajectory file, without VS Code: line -> edited trajectory over the
 * file's lines, and the undo history as a tree of entries (each knows the one before it), so the
 * dirty state follows undo back to the saved state and a backup holds exactly the edits in
 * effect (the path from the save point to the current entry). Undoing an edit whose `before`
 * was the file's own line drops the overlay, so a save leaves that line's bytes untouched.
 */
export class EditedLines {
  private readonly values = new Map<number, Trajectory>();
  private readonly entries = new Map<number, EditEntry>();
  private nextId = 1;
  private position = 0;
  private savedPosition = 0;
  /** Bumped whenever the file's content becomes the reference again (save, revert, reload). */
  private generation = 0;

  get dirty(): boolean {
    return this.position !== this.savedPosition;
  }

  /** Lines shown with an edited value. */
  get size(): number {
    return this.values.size;
  }

  has(line: number): boolean {
    return this.values.has(line);
  }

  get(line: number): Trajectory | undefined {
    return this.values.get(line);
  }

  lines(): number[] {
    return [...this.values.keys()].sort((a, b) => a - b);
  }

  /** The save's change map: 0-based line index -> new value. */
  changes(): Map<number, Trajectory> {
    return new Map(this.lines().map((line) => [line - 1, this.values.get(line)!]));
  }

  /** Records a new edit (already applied by the caller to produce `after`). */
  push(edit: NewEdit): EditEntry {
    const entry: EditEntry = {
      ...edit,
      id: this.nextId++,
      previous: this.position,
      beforeFromFile: !this.values.has(edit.line),
      generation: this.generation,
    };
    this.entries.set(entry.id, entry);
    this.values.set(entry.line, entry.after);
    this.position = entry.id;
    return entry;
  }

  undo(entry: EditEntry): void {
    if (entry.beforeFromFile && entry.generation === this.generation) this.values.delete(entry.line);
    else this.values.set(entry.line, entry.before);
    this.position = entry.previous;
  }

  redo(entry: EditEntry): void {
    this.values.set(entry.line, entry.after);
    this.position = entry.id;
  }

  /** The edits in effect that the file does not hold, oldest first (what a backup writes). */
  logSinceSave(): EditLogSinceSave {
    const savedChain = new Set<number>();
    for (let id = this.savedPosition; id !== 0; id = this.entries.get(id)!.previous) savedChain.add(id);
    const walked: EditEntry[] = [];
    let id = this.position;
    while (id !== 0 && !savedChain.has(id)) {
      const entry = this.entries.get(id)!;
      walked.push(entry);
      id = entry.previous;
    }
    let undoneSavedEdits = 0;
    for (let s = this.savedPosition; s !== id; s = this.entries.get(s)!.previous) undoneSavedEdits++;
    const entries = walked.reverse().map(({ line, op, inverse, label, author, originalSize }) => ({ line, op, inverse, label, author, originalSize }));
    return { entries, undoneSavedEdits };
  }

  /** The file now holds what the document shows (after a save), or the edits were dropped (revert, reload). */
  resetToFile(): void {
    this.values.clear();
    this.generation++;
    this.savedPosition = this.position;
  }
}
