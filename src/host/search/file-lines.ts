import { createReadStream } from 'node:fs';

/** The 1-based number of the file's last line (0 when empty), counting a final line without a newline. */
export async function lastLineNumber(file: string): Promise<number> {
  let newlines = 0;
  let lastByte = -1;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) newlines++;
    if (chunk.length > 0) lastByte = chunk[chunk.length - 1]!;
  }
  if (lastByte === -1) return 0;
  return lastByte === 0x0a ? newlines : newlines + 1;
}
