import { resolve } from 'node:path';
import { generateSampleWorkspace } from '../core/synth/sample-workspace';
import { interruptSignal, Progress } from './progress';

export interface SynthCommandOptions {
  out: string;
  tasks: number;
  seed: number;
  rollouts: number;
  small?: boolean;
  overwrite?: boolean;
  quiet?: boolean;
}

export async function synthCommand(o: SynthCommandOptions): Promise<number> {
  const outDir = resolve(o.out);
  const progress = new Progress('generating tasks', o.quiet);
  try {
    const result = await generateSampleWorkspace(outDir, {
      tasks: o.tasks,
      seed: o.seed,
      rollouts: o.rollouts,
      small: o.small,
      overwrite: o.overwrite,
      signal: interruptSignal(),
      onProgress: (done, total) => progress.update(done, total, 'tasks'),
    });
    progress.done();
    console.log(`wrote ${result.tasks} tasks to ${result.tasksFile}`);
    console.log(`wrote ${result.trajectories} scripted demonstrations (marked synthetic) to ${result.demosFile}`);
    return 0;
  } finally {
    progress.done();
  }
}
