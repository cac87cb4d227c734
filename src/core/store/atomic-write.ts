import { randomBytes } from 'node:crypto';
import { open as openFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A file being written; `write` writes all of `data` or throws. */
export interface WritableFile {
  write(data: Buffer): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The file-system calls an atomic write makes; tests inject failures (a full disk) here. */
export interface SaveFileSystem {
  createExclusive(path: string, mode: number): Promise<WritableFile>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Makes the rename durable; best effort (not every platform can fsync a folder). */
  syncFolder(path: string): Promise<void>;
}

export const nodeSaveFileSystem: SaveFileSystem = {
  async createExclusive(path, mode) {
    const handle = await openFile(path, 'wx', mode);
    return {
      async write(data) {
        let done = 0;
        while (done < data.length) {
          const { bytesWritten } = await handle.write(data, done, data.length - done);
          if (bytesWritten <= 0) throw new Error(`wrote 0 bytes to ${path}`);
          done += bytesWritten;
        }
      },
      sync: () => handle.sync(),
      close: () => handle.close(),
    };
  },
  rename: (from, to) => rename(from, to),
  unlink: (path) => unlink(path),
  async syncFolder(path) {
    try {
      const handle = await openFile(path, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch {
      // Windows cannot open a folder for fsync; the rename itself is still atomic there.
    }
  },
};

const FLUSH_BYTES = 1 << 20;

/** Collects small writes into ~1 MiB blocks; large buffers go straight through. */
export class BufferedSink {
  private parts: Buffer[] = [];
  private pending = 0;
  written = 0;

  constructor(private readonly file: WritableFile) {}

  async write(data: Buffer | string): Promise<void> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (buf.length === 0) return;
    this.written += buf.length;
    if (buf.length >= FLUSH_BYTES) {
      await this.flush();
      await this.file.write(buf);
      return;
    }
    this.parts.push(buf);
    this.pending += buf.length;
    if (this.pending >= FLUSH_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending === 0) return;
    const block = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.pending);
    this.parts = [];
    this.pending = 0;
    await this.file.write(block);
  }
}

/**
 * Writes `target` atomically: `produce` fills a temp file in the same folder, which is fsynced
 * and renamed over the target. On any failure the temp file is removed, the target is left as
 * it was, and the error says so. Returns the bytes written.
 */
export async function writeFileAtomically(
  target: string,
  produce: (sink: BufferedSink) => Promise<void>,
  fileSystem: SaveFileSystem = nodeSaveFileSystem,
): Promise<number> {
  const folder = dirname(target);
  const temp = join(folder, `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let mode = 0o644;
  try {
    mode = (await stat(target)).mode & 0o777;
  } catch {
    // A new file gets the default mode.
  }
  let file: WritableFile | null = null;
  let renamed = false;
  try {
    file = await fileSystem.createExclusive(temp, mode);
    const sink = new BufferedSink(file);
    await produce(sink);
    await sink.flush();
    await file.sync();
    const closing = file;
    file = null;
    await closing.close();
    await fileSystem.rename(temp, target);
    renamed = true;
    await fileSystem.syncFolder(folder).catch(() => undefined);
    return sink.written;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`could not save ${target}: ${reason}; the original file is unchanged`, { cause: error });
  } finally {
    if (file) await file.close().catch(() => undefined);
    if (!renamed) await fileSystem.unlink(temp).catch(() => undefined);
  }
}
