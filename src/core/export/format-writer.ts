import path from 'node:path';
import { BufferedSink, nodeSaveFileSystem, type WritableFile } from '../store/atomic-write';
import type { ChatMessage } from '../protocol/render';

/** One sample ready for a format: messages with `<image>` placeholders and image paths as written out. */
export interface ExportSample {
  id: string;
  line: number;
  messages: ChatMessage[];
  images: string[];
}

export interface FormatWriter {
  /** Appends one sample (called in file order). */
  write(sample: ExportSample): Promise<void>;
  /** Finishes every file; returns their paths relative to the export folder. */
  finish(): Promise<string[]>;
  /** Closes open files after a failure (the folder is removed by the caller). */
  abort(): Promise<void>;
}

/** A new file in the export folder written in ~1 MiB blocks. */
export class OutputFile {
  private constructor(readonly relPath: string, private readonly file: WritableFile, private readonly sink: BufferedSink) {}

  static async create(exportDir: string, relPath: string): Promise<OutputFile> {
    const file = await nodeSaveFileSystem.createExclusive(path.join(exportDir, relPath), 0o644);
    return new OutputFile(relPath, file, new BufferedSink(file));
  }

  write(text: string): Promise<void> {
    return this.sink.write(text);
  }

  async close(): Promise<void> {
    await this.sink.flush();
    await this.file.sync();
    await this.file.close();
  }

  async abort(): Promise<void> {
    await this.file.close().catch(() => undefined);
  }
}
