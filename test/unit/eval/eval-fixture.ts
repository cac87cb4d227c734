import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSynthDataset, type VisualProbeRow } from '../../../src/core/synth';
import type { OpenAiTestServer, ScriptedTurn } from '../../support/openai-server';

/** How a task's scripted model behaves: answers right after one crop, after two, or wrong at once. */
export type ScriptKind = 'one_crop' | 'two_crops' | 'wrong';

export const CALL = (source = 'original_image') =>
  `<think>The sign is too small; zoom in.</think>\n<grounding>{"bbox_2d": [0.2, 0.2, 0.7, 0.7], "source": "${source}"}</grounding>`;
export const ANSWER = (answer: string) => `<think>Now it is readable.</think>\n<answer>${answer}</answer>`;

export function scriptFor(kind: ScriptKind, solution: string): string[] {
  if (kind === 'one_crop') return [CALL(), ANSWER(solution)];
  if (kind === 'two_crops') return [CALL(), CALL('observation_1'), ANSWER(solution)];
  return [ANSWER('certainly not this')];
}

export const KINDS: ScriptKind[] = ['one_crop', 'two_crops', 'wrong'];

export interface EvalWorkspace {
  dir: string;
  tasksFile: string;
  rows: VisualProbeRow[];
}

/**
 * Small synthetic VisualProbe tasks whose questions are made unique (the test server picks a
 * script by the question), with a script per task registered on `server`.
 */
export async function evalWorkspace(dir: string, tasks: number, server: OpenAiTestServer | null, turn: Partial<ScriptedTurn> = {}): Promise<EvalWorkspace> {
  const dataset = await writeSynthDataset(dir, { tasks, seed: 11, width: [240, 320], height: [180, 240], format: 'png' });
  const rows = JSON.parse(readFileSync(dataset.tasksFile, 'utf8')) as VisualProbeRow[];
  rows.forEach((row, i) => {
    row.problem = `${row.problem} (task ${row.doc_id})`;
    row.data_source = i % 2 === 0 ? 'probe_even' : 'probe_odd';
  });
  const tasksFile = join(dir, 'tasks.json');
  writeFileSync(tasksFile, JSON.stringify(rows, null, 1));
  if (server) {
    rows.forEach((row, i) => {
      server.conversation(`(task ${row.doc_id})`, scriptFor(KINDS[i % KINDS.length]!, row.solution).map((text) => ({ ...turn, text })));
    });
  }
  return { dir, tasksFile, rows };
}
