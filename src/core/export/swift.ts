import { OutputFile, type ExportSample, type FormatWriter } from './format-writer';
import type { ChatMessage } from '../protocol/render';

/**
 * ms-swift standard JSONL: `{"messages": [{"role", "content"}], "images": [...]}` with plain
 * user/assistant turns; each observation is a user message holding `<image>` (the tool roles
 * would re-template the text away from what Mini-o3 saw).
 */
export interface SwiftSample {
  messages: ChatMessage[];
  images: string[];
}

export function toSwift(sample: ExportSample): SwiftSample {
  return { messages: sample.messages.map((m) => ({ role: m.role, content: m.content })), images: sample.images };
}

export async function createSwiftWriter(exportDir: string, name: string): Promise<FormatWriter> {
  const dataFile = `${name}.jsonl`;
  const out = await OutputFile.create(exportDir, dataFile);
  return {
    write: (sample) => out.write(`${JSON.stringify(toSwift(sample))}\n`),
    async finish() {
      await out.close();
      return [dataFile];
    },
    abort: () => out.abort(),
  };
}
