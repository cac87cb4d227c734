import { writeFileAtomically, nodeSaveFileSystem, type SaveFileSystem } from '../store/atomic-write';
import { serializeLine } from '../store/save';
import type { TrajectoryFile } from '../store/trajectory-file';

const COPY_CHUNK = 1 << 20;

/**
 * "Save As": writes the open file with its edits to `target` (atomically), reading the
 * unchanged lines through the store's open handle, so the copy is the document as shown even
 * when the file on disk was replaced since it was opened. Unchanged lines keep their bytes and
 * terminators; changed lines are `JSON.stringify(value)`; the BOM is kept.
 */
export async function writeEditedCopy(
  store: TrajectoryFile,
  target: string,
  changes: ReadonlyMap<number, unknown>,
  fileSystem: SaveFileSystem = nodeSaveFileSystem,
): Promise<number> {
  await store.ready;
  const layout = store.layout;
  if (!layout) throw new Error(`${store.path} is not fully indexed`);
  const count = store.lineCount;
  // Where line i's bytes end including its terminator: the next line's start, or the file's end.
  const endWithTerminator = (i: number) => (i + 1 < count ? store.span(i + 1).start : store.totalBytes);
  return writeFileAtomically(
    target,
    async (sink) => {
      if (layout.bomBytes > 0) await sink.write(await store.readRange(0, layout.bomBytes));
      let i = 0;
      while (i < count) {
        if (changes.has(i)) {
          const span = store.span(i);
          await sink.write(serializeLine(changes.get(i), `${store.path}:${i + 1}`));
          if (span.hasNewline) await sink.write(layout.newline);
          i++;
          continue;
        }
        let last = i;
        while (last + 1 < count && !changes.has(last + 1)) last++;
        const from = store.span(i).start;
        const to = endWithTerminator(last);
        for (let at = from; at < to; at += COPY_CHUNK) await sink.write(await store.readRange(at, Math.min(to, at + COPY_CHUNK)));
        i = last + 1;
      }
    },
    fileSystem,
  );
}
