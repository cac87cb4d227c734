import { after, before } from 'node:test';
import { rmSync } from 'node:fs';
import { WebviewHarness, type OpenOptions } from './browser-harness';
import { makeEditorWorkspace, type EditorWorkspace } from './fixtures';

export interface EditorSession {
  readonly ws: EditorWorkspace;
  readonly harness: WebviewHarness;
}

/**
 * Registers the suite's before/after hooks: a fresh sample workspace, the webview harness on it,
 * the page opened with `open`. `prepare` runs between start and open (e.g. to set the host's label set).
 */
export function useEditorSession(open: OpenOptions, prepare?: (harness: WebviewHarness) => void): EditorSession {
  let ws: EditorWorkspace | undefined;
  let harness: WebviewHarness | undefined;
  before(async () => {
    ws = await makeEditorWorkspace();
    harness = await WebviewHarness.start(ws.file);
    prepare?.(harness);
    await harness.open(open);
  });
  after(async () => {
    await harness?.close();
    if (ws) rmSync(ws.dir, { recursive: true, force: true });
  });
  return {
    get ws() {
      if (!ws) throw new Error('the editor workspace is made in before()');
      return ws;
    },
    get harness() {
      if (!harness) throw new Error('the webview harness starts in before()');
      return harness;
    },
  };
}
