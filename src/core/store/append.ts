import { open as openFile, type FileHandle } from 'node:fs/promises';
import { serializeLine } from './save';

const LF = 0x0a;
const CR = 0x0d;
const SNIFF_BYTES = 64 * 1024;

/**
 * Appends whole lines to a trajectory file, one write per line (O_APPEND), creating the file
 * if needed. For streaming writers such as batch runs: a crash leaves at most one partial line.
 */
export class TrajectoryAppender {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly newline: string,
    private needsLeadingNewline: boolean,
  ) {}

  static async open(path: string): Promise<TrajectoryAppender> {
    const handle = await openFile(path, 'a+');
    try {
      const { size } = await handle.stat();
      const tail = await readAt(handle, Math.max(0, size - 2), Math.min(2, size));
      const endsWithNewline = tail[tail.length - 1] === LF;
      const newline = endsWithNewline ? (tail.length === 2 && tail[0] === CR ? '\r\n' : '\n') : await sniffNewline(handle, size);
      return new TrajectoryAppender(path, handle, newline, size > 0 && !endsWithNewline);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async append(value: unknown): Promise<void> {
    const line = serializeLine(value, `${this.path}: appended value`);
    const prefix = this.needsLeadingNewline ? this.newline : '';
    const data = Buffer.concat([Buffer.from(prefix), line, Buffer.from(this.newline)]);
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.handle.write(data, done, data.length - done);
      if (bytesWritten <= 0) throw new Error(`could not append to ${this.path}: wrote 0 bytes`);
      done += bytesWritten;
    }
    this.needsLeadingNewline = false;
  }

  /** Flushes appended lines to disk. */
  sync(): Promise<void> {
    return this.handle.sync();
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** Appends `values` as lines to `path` (created if missing), then closes it. */
export async function appendTrajectories(path: string, values: readonly unknown[]): Promise<void> {
  const appender = await TrajectoryAppender.open(path);
  try {
    for (const value of values) await appender.append(value);
  } finally {
    await appender.close();
  }
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buf, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buf.subarray(0, filled);
}

/** Newline style of a file that does not end in one: from its first '\n', else '\n'. */
async function sniffNewline(handle: FileHandle, size: number): Promise<string> {
  const head = await readAt(handle, 0, Math.min(size, SNIFF_BYTES));
  const at = head.indexOf(LF);
  return at > 0 && head[at - 1] === CR ? '\r\n' : '\n';
}
