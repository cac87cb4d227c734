import type { ChatRole } from '../protocol/render';
import { OutputFile, type ExportSample, type FormatWriter } from './format-writer';

/**
 * LLaMA-Factory ShareGPT, as Mini-o3's cold-start file: `{"conversations": [{"from", "value"}],
 * "images": [...]}` with roles system/human/gpt. Observations and error feedback are `human`
 * turns (the `observation` role would wrap them in `<tool_response>`, which Mini-o3 never saw).
 */
export interface ShareGptMessage {
  from: 'system' | 'human' | 'gpt';
  value: string;
}

export interface ShareGptSample {
  conversations: ShareGptMessage[];
  images: string[];
}

const ROLE_TAG: Record<ChatRole, ShareGptMessage['from']> = { system: 'system', user: 'human', assistant: 'gpt' };

export function toShareGpt(sample: ExportSample): ShareGptSample {
  return {
    conversations: sample.messages.map((m) => ({ from: ROLE_TAG[m.role], value: m.content })),
    images: sample.images,
  };
}

/** The `dataset_info.json` entry, shaped as in Mini-o3's README. */
export function llamaFactoryDatasetInfo(name: string, fileName: string): Record<string, unknown> {
  return {
    [name]: {
      file_name: fileName,
      formatting: 'sharegpt',
      columns: { messages: 'conversations', images: 'images' },
      tags: { role_tag: 'from', content_tag: 'value', user_tag: 'human', assistant_tag: 'gpt', system_tag: 'system' },
    },
  };
}

/** Streams `<name>.json` (a JSON array, one sample per line) and writes `dataset_info.json`. */
export async function createLlamaFactoryWriter(exportDir: string, name: string): Promise<FormatWriter> {
  const dataFile = `${name}.json`;
  const out = await OutputFile.create(exportDir, dataFile);
  let count = 0;
  return {
    async write(sample) {
      await out.write(`${count === 0 ? '[\n' : ',\n'}${JSON.stringify(toShareGpt(sample))}`);
      count++;
    },
    async finish() {
      await out.write(count === 0 ? '[]\n' : '\n]\n');
      await out.close();
      const info = await OutputFile.create(exportDir, 'dataset_info.json');
      await info.write(`${JSON.stringify(llamaFactoryDatasetInfo(name, dataFile), null, 2)}\n`);
      await info.close();
      return [dataFile, 'dataset_info.json'];
    },
    abort: () => out.abort(),
  };
}
