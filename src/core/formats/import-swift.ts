import path from 'node:path';
import type { Trajectory } from '../trajectory/schema';
import type { ImportContext } from './import-common';
import { importChatFile, type ChatLayout } from './chat-file';

/**
 * ms-swift `{"messages": [{"role", "content"}], "images": [...]}` JSON lines (or a JSON array).
 * `tool_call` / `tool_response` (alias `tool`) messages have no place in Mini-o3's plain
 * user/assistant loop: they are kept in `import.raw.aside_messages` and reported.
 */
export const SWIFT_LAYOUT: ChatLayout = {
  messages: ['messages'],
  images: 'images',
  keys: [{ role: 'role', content: 'content' }],
  systemTo: 'system_prompt',
  sideOf: (role) => {
    if (role === 'system' || role === 'user' || role === 'assistant') return { side: role };
    if (role === 'tool_call' || role === 'tool_response' || role === 'tool') {
      return { side: 'aside', unusual: 'ms-swift re-templates tool messages with its agent template; kept in import.raw.aside_messages, not as a turn' };
    }
    return null;
  },
};

export async function importSwift(inPath: string, ctx: ImportContext): Promise<Trajectory[]> {
  const file = path.resolve(inPath);
  return importChatFile(file, { layout: SWIFT_LAYOUT, baseDir: path.dirname(file) }, ctx);
}
