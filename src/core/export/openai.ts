import { IMAGE_PLACEHOLDER } from '../protocol/prompts';
import { OutputFile, type ExportSample, type FormatWriter } from './format-writer';

/**
 * OpenAI chat fine-tuning JSONL. Images become `image_url` content parts exactly where the
 * `<image>` placeholders were; their URLs are the image paths as exported (relative to the
 * export folder unless absolute paths were asked for). Text around them is kept verbatim.
 */
export type OpenAiContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };

export interface OpenAiMessage {
  role: 'system' | 'user' | 'assistant';
  content: string | OpenAiContentPart[];
}

export interface OpenAiSample {
  messages: OpenAiMessage[];
}

export function toOpenAi(sample: ExportSample): OpenAiSample {
  let next = 0;
  const messages = sample.messages.map((m): OpenAiMessage => {
    const pieces = m.content.split(IMAGE_PLACEHOLDER);
    if (pieces.length === 1) return { role: m.role, content: m.content };
    const parts: OpenAiContentPart[] = [];
    pieces.forEach((text, k) => {
      if (k > 0) {
        const url = sample.images[next++];
        if (url === undefined) throw new Error(`sample ${sample.id}: more ${IMAGE_PLACEHOLDER} placeholders than images`);
        parts.push({ type: 'image_url', image_url: { url } });
      }
      if (text !== '') parts.push({ type: 'text', text });
    });
    return { role: m.role, content: parts };
  });
  return { messages };
}

export async function createOpenAiWriter(exportDir: string, name: string): Promise<FormatWriter> {
  const dataFile = `${name}.jsonl`;
  const out = await OutputFile.create(exportDir, dataFile);
  return {
    write: (sample) => out.write(`${JSON.stringify(toOpenAi(sample))}\n`),
    async finish() {
      await out.close();
      return [dataFile];
    },
    abort: () => out.abort(),
  };
}
