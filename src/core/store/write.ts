import { writeFileAtomically, nodeSaveFileSystem, type SaveFileSystem } from './atomic-write';
import { serializeLine } from './save';

export interface WriteOptions {
  newline?: '\n' | '\r\n';
  fileSystem?: SaveFileSystem;
}

/** Writes a new trajectory file atomically: one `JSON.stringify` line per value, each ending in a newline. */
export async function writeTrajectoryFile(path: string, values: Iterable<unknown> | AsyncIterable<unknown>, options: WriteOptions = {}): Promise<number> {
  const newline = options.newline ?? '\n';
  return writeFileAtomically(
    path,
    async (sink) => {
      let n = 0;
      for await (const value of values) {
        n++;
        await sink.write(serializeLine(value, `${path}: value ${n}`));
        await sink.write(newline);
      }
    },
    options.fileSystem ?? nodeSaveFileSystem,
  );
}
