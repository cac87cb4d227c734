import { writeFileAtomically, nodeSaveFileSystem, type BufferedSink, type SaveFileSystem } from './atomic-write';
import type { TrajectoryFile } from './trajectory-file';

/** Marks a line for deletion in a save's change map. */
export const DELETE_LINE = 'delete' as const;

/** New JSON value for a line (serialized with JSON.stringify), or `DELETE_LINE`. */
export type LineChange = unknown;

export interface SaveOptions {
  fileSystem?: SaveFileSystem;
}

export interface SaveResult {
  lines: number;
  bytes: number;
}

type Piece = { kind: 'copy'; first: number; last: number } | { kind: 'new'; text: Buffer };

const COPY_CHUNK = 1 << 20;
const CR = 0x0d;

/**
 * Saves edits to `store`'s file atomically. Untouched lines are copied as their exact bytes
 * (terminators included), changed lines are written as `JSON.stringify(value)`, deleted lines
 * dropped, `appended` values added at the end. The file's BOM, newline style and whether it
 * ended with a newline are kept. Afterwards the store is re-indexed from the new file.
 */
export async function saveTrajectoryFile(
  store: TrajectoryFile,
  changes: ReadonlyMap<number, LineChange>,
  appended: readonly unknown[] = [],
  options: SaveOptions = {},
): Promise<SaveResult> {
  await store.ready;
  return store.exclusive(async () => {
    const layout = store.layout;
    if (!layout) throw new Error(`${store.path} is not fully indexed`);
    const pieces = planPieces(store, changes, appended);
    await store.assertUnchangedOnDisk();
    const endWithNewline = layout.endsWithNewline || store.lineCount === 0;
    const bytes = await writeFileAtomically(
      store.path,
      async (sink) => {
        if (layout.bomBytes > 0) await sink.write(await store.readRange(0, layout.bomBytes));
        for (let k = 0; k < pieces.length; k++) {
          const piece = pieces[k] as Piece;
          const isLast = k === pieces.length - 1;
          if (piece.kind === 'new') {
            await sink.write(piece.text);
            await sink.write(isLast && !endWithNewline ? '' : layout.newline);
          } else {
            await copyRun(store, sink, piece, isLast, endWithNewline, layout.newline);
          }
        }
      },
      options.fileSystem ?? nodeSaveFileSystem,
    );
    const lines = pieces.reduce((n, p) => n + (p.kind === 'new' ? 1 : p.last - p.first + 1), 0);
    return { lines, bytes };
  });
}

function planPieces(store: TrajectoryFile, changes: ReadonlyMap<number, LineChange>, appended: readonly unknown[]): Piece[] {
  for (const index of changes.keys()) {
    if (!Number.isInteger(index) || index < 0 || index >= store.lineCount) {
      throw new RangeError(`${store.path}: change for line index ${index}, but the file has ${store.lineCount} lines`);
    }
  }
  const pieces: Piece[] = [];
  for (let i = 0; i < store.lineCount; i++) {
    if (!changes.has(i)) {
      const previous = pieces[pieces.length - 1];
      if (previous?.kind === 'copy' && previous.last === i - 1) previous.last = i;
      else pieces.push({ kind: 'copy', first: i, last: i });
      continue;
    }
    const change = changes.get(i);
    if (change === DELETE_LINE) continue;
    pieces.push({ kind: 'new', text: serializeLine(change, `${store.path}:${i + 1}`) });
  }
  appended.forEach((value, k) => pieces.push({ kind: 'new', text: serializeLine(value, `${store.path}: appended value ${k + 1}`) }));
  return pieces;
}

/** One line of JSON; JSON.stringify escapes newlines inside strings, so it never spans lines. */
export function serializeLine(value: unknown, where: string): Buffer {
  const text = JSON.stringify(value);
  if (typeof text !== 'string') throw new TypeError(`${where}: value cannot be written as JSON (${typeof value})`);
  return Buffer.from(text, 'utf8');
}

async function copyRun(
  store: TrajectoryFile,
  sink: BufferedSink,
  run: { first: number; last: number },
  isLast: boolean,
  endWithNewline: boolean,
  newline: string,
): Promise<void> {
  const from = store.span(run.first).start;
  const lastSpan = store.span(run.last);
  const crBeforeNewline =
    lastSpan.hasNewline && lastSpan.end > lastSpan.start && (await store.readRange(lastSpan.end - 1, lastSpan.end))[0] === CR;
  const contentEnd = crBeforeNewline ? lastSpan.end - 1 : lastSpan.end;
  for (let at = from; at < contentEnd; at += COPY_CHUNK) {
    await sink.write(await store.readRange(at, Math.min(contentEnd, at + COPY_CHUNK)));
  }
  const original = lastSpan.hasNewline ? (crBeforeNewline ? '\r\n' : '\n') : null;
  if (isLast) await sink.write(endWithNewline ? (original ?? newline) : '');
  else await sink.write(original ?? newline);
}
