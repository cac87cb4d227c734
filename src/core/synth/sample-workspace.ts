import { join } from 'node:path';
import type { Trajectory } from '../trajectory/schema';
import { writeTrajectoryFile } from '../store';
import { writeSynthDataset } from './dataset';
import { demonstrate, demoTasksFromDataset, type DemoTask } from './demonstrator';

export interface SampleWorkspaceOptions {
  tasks: number;
  seed: number;
  /** Demonstrations per task, each with its own kind drawn from the demonstrator's mix (default 2). */
  rollouts?: number;
  /** Smaller originals for quick tries (default: VisualProbe-like 3000-5000 px wide). */
  small?: boolean;
  overwrite?: boolean;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface SampleWorkspace {
  tasks: number;
  trajectories: number;
  tasksFile: string;
  demosFile: string;
}

export const DEMOS_FILE = 'demos.traj.jsonl';

/** `synth`: tasks.json + images/ (VisualProbe format) and demos.traj.jsonl (scripted demonstrations). */
export async function generateSampleWorkspace(outDir: string, options: SampleWorkspaceOptions): Promise<SampleWorkspace> {
  const dataset = await writeSynthDataset(outDir, {
    tasks: options.tasks,
    seed: options.seed,
    overwrite: options.overwrite,
    signal: options.signal,
    onProgress: options.onProgress ? (p) => options.onProgress!(p.done, p.total) : undefined,
    ...(options.small ? { width: [600, 900] as [number, number], height: [450, 700] as [number, number] } : {}),
  });
  const demoTasks = demoTasksFromDataset(dataset.tasks, outDir);
  const rollouts = Math.max(1, options.rollouts ?? 2);
  const trajectories: Trajectory[] = [];
  for (let k = 0; k < rollouts; k++) {
    for (const t of demonstrate(demoTasks, { seed: options.seed * 1000 + k })) trajectories.push(withImageSize(t, demoTasks));
  }
  trajectories.sort((a, b) => a.task.id.localeCompare(b.task.id));
  const demosFile = join(outDir, DEMOS_FILE);
  await writeTrajectoryFile(demosFile, trajectories);
  return { tasks: dataset.tasks.length, trajectories: trajectories.length, tasksFile: dataset.tasksFile, demosFile };
}

function withImageSize(t: Trajectory, tasks: readonly DemoTask[]): Trajectory {
  const task = tasks.find((d) => d.docId === t.task.id);
  if (!task || t.task.image_size) return t;
  return { ...t, task: { ...t.task, image_size: { width: task.width, height: task.height } } };
}
