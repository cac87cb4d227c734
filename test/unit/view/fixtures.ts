import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSampleWorkspace } from '../../../src/core/synth/sample-workspace';
import type { Trajectory } from '../../../src/core/trajectory/schema';

export interface SampleDataset {
  dir: string;
  file: string;
  lines: string[];
  trajectories: Trajectory[];
}

/** A temporary folder, removed when the test process exits. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A generated sample workspace (small images; seed 21 gives all seven demonstration kinds), plus extra lines appended as given. */
export async function sampleDataset(extraLines: (first: Trajectory) => string[] = () => [], tasks = 4): Promise<SampleDataset> {
  const dir = scratchDir('mini-o3-view-');
  const workspace = await generateSampleWorkspace(dir, { tasks, seed: 21, small: true, rollouts: 3 });
  const base = readFileSync(workspace.demosFile, 'utf8').split('\n').filter((l) => l !== '');
  const first = JSON.parse(base[0]!) as Trajectory;
  const lines = [...base, ...extraLines(first)];
  writeFileSync(workspace.demosFile, `${lines.join('\n')}\n`);
  const trajectories = lines.map((l) => {
    try {
      return JSON.parse(l) as Trajectory;
    } catch {
      return null;
    }
  }).filter((t): t is Trajectory => t !== null);
  return { dir, file: workspace.demosFile, lines, trajectories };
}

/** A copy of `t` with another id and changes. */
export function variant(t: Trajectory, id: string, change: (copy: Trajectory) => void): string {
  const copy = structuredClone(t);
  copy.id = id;
  change(copy);
  return JSON.stringify(copy);
}
