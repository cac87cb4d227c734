import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSampleWorkspace } from '../../src/core/synth';
import type { Trajectory } from '../../src/core/trajectory/schema';

export interface EditorWorkspace {
  dir: string;
  file: string;
  /** Lines of the scripted demonstrations (1-based). */
  demoLines: number[];
  /** A line that is not JSON. */
  brokenLine: number;
  /** A trajectory stopped after its first crop, as during a live search. */
  liveLine: number;
  liveTaskId: string;
  /** A trajectory whose image file is missing (its recorded size keeps the geometry). */
  missingImageLine: number;
}

/** The sample workspace (4 tasks, 8 demonstrations) plus a broken line and a search in progress. */
export async function makeEditorWorkspace(): Promise<EditorWorkspace> {
  const dir = mkdtempSync(join(tmpdir(), 'mini-o3-webview-ws-'));
  const ws = await generateSampleWorkspace(dir, { tasks: 4, seed: 1, small: true });
  const demos = readFileSync(ws.demosFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Trajectory);
  const cropFirst = demos.find((t) => t.turns[0]?.text.includes('"source": "original_image"') && t.turns.length >= 3);
  if (!cropFirst) throw new Error('the sample workspace has no demonstration that starts with a crop');
  const live: Trajectory = { ...cropFirst, id: 'live-search-0', turns: [cropFirst.turns[0]!] };
  delete live.outcome;
  delete live.review;
  const missing: Trajectory = { ...cropFirst, id: 'missing-image-0', task: { ...cropFirst.task, id: 'missing-image-task', images: ['images/not-there.jpg'] } };
  appendFileSync(ws.demosFile, `{"id": "broken", "turns": [\n${JSON.stringify(live)}\n${JSON.stringify(missing)}\n`);
  return {
    dir,
    file: ws.demosFile,
    demoLines: demos.map((_, i) => i + 1),
    brokenLine: demos.length + 1,
    liveLine: demos.length + 2,
    liveTaskId: live.task.id,
    missingImageLine: demos.length + 3,
  };
}
