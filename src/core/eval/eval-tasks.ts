import path from 'node:path';
import type { Finding } from '../trajectory/findings';
import type { Task } from '../trajectory/schema';
import { TrajectoryFile, resolveDatasetPath, DatasetPathError } from '../store';
import { ImportContext, importVisualProbe } from '../formats';
import { isInside } from '../formats/import-common';
import { withImagePlaceholder } from '../search/task-identity';
import { readImageSize } from '../imaging';

export interface EvalTaskSet {
  /** Unique by id, in file order; image paths relative to the output file's folder. */
  tasks: Task[];
  /** Where each task came from, for messages (`file:line`). */
  origins: Map<string, { file: string; line: number }>;
  findings: Finding[];
  /** Folders outside the output's that hold task images: later readers need them as image roots. */
  outsideRoots: string[];
}

export interface LoadTasksOptions {
  /** The eval output file: task image paths are rewritten relative to its folder. */
  outFile: string;
  /** VisualProbe: Mini-o3's BASE_IMAGE_DIR (default: the tasks file's folder). */
  imageBase?: string;
  /** `.traj.jsonl` tasks: folders besides the file's own its image paths may point into. */
  imageRoots?: readonly string[];
  signal?: AbortSignal;
}

/**
 * Eval tasks from a VisualProbe-style file (`{images, doc_id, problem, solution, data_source}`
 * as a JSON array or JSON lines) or from the tasks of a `.traj.jsonl` file (one per task id;
 * turns are ignored). A question without `<image>` gets Mini-o3's `<image>\n` in front.
 */
export async function loadEvalTasks(tasksFile: string, options: LoadTasksOptions): Promise<EvalTaskSet> {
  const outDir = path.dirname(path.resolve(options.outFile));
  const set: EvalTaskSet = { tasks: [], origins: new Map(), findings: [], outsideRoots: [] };
  const roots = new Set<string>();
  const add = (task: Task, file: string, line: number, absImages: string[], candidateRoots: readonly string[]) => {
    const existing = set.origins.get(task.id);
    if (existing) {
      set.findings.push({
        severity: 'warning', file, line, field: 'task.id',
        message: `task ${JSON.stringify(task.id)} already came from line ${existing.line}; this one is skipped`,
      });
      return;
    }
    for (const abs of absImages) {
      if (isInside(outDir, abs)) continue;
      roots.add(candidateRoots.find((root) => isInside(root, abs)) ?? path.dirname(abs));
    }
    const question = withImagePlaceholder(task.question);
    set.tasks.push({ ...task, question, images: absImages.map((abs) => relativePath(outDir, abs)) });
    set.origins.set(task.id, { file, line });
  };

  if (/\.traj\.jsonl$/i.test(tasksFile)) {
    const store = await TrajectoryFile.openStreaming(tasksFile);
    const baseDir = path.dirname(path.resolve(tasksFile));
    try {
      for await (const record of store.records()) {
        options.signal?.throwIfAborted();
        if (!record.ok) {
          if (!record.blank) set.findings.push(...record.findings);
          continue;
        }
        const task = record.trajectory.task;
        try {
          const abs = task.images.map((p, k) =>
            resolveDatasetPath(baseDir, p, { file: tasksFile, line: record.line, field: `task.images.${k}` }, { allowedRoots: options.imageRoots }),
          );
          add(task, tasksFile, record.line, abs, [baseDir, ...(options.imageRoots ?? []).map((r) => path.resolve(r))]);
        } catch (error) {
          if (!(error instanceof DatasetPathError)) throw error;
          set.findings.push({ ...error.finding, message: `${error.finding.message}; task skipped (pass --image-root to allow it)` });
        }
      }
      await store.ready;
    } finally {
      await store.close();
    }
  } else {
    const base = path.resolve(options.imageBase ?? path.dirname(path.resolve(tasksFile)));
    const ctx = new ImportContext('visualprobe', { outFile: options.outFile, imageBase: base, signal: options.signal });
    const imported = await importVisualProbe(tasksFile, ctx);
    set.findings.push(...ctx.findings);
    for (const t of imported) {
      const line = t.import?.line ?? 0;
      const abs = t.task.images.map((p) => path.resolve(outDir, p));
      if (abs.some((p, k) => !isInside(base, p) || /^[a-z][a-z0-9+.-]*:\/\//i.test(t.task.images[k] ?? ''))) {
        set.findings.push({ severity: 'error', file: tasksFile, line, field: 'images', message: `image outside ${base} or a URL; task ${JSON.stringify(t.task.id)} skipped` });
        continue;
      }
      add(t.task, tasksFile, line, abs, [base]);
    }
  }
  set.outsideRoots = [...roots].sort();
  return set;
}

function relativePath(fromDir: string, abs: string): string {
  return path.relative(fromDir, abs).split(path.sep).join('/');
}

/**
 * Reads each task's original-image header (resolved against `baseDir` and `imageRoots`) and
 * records its size on the task; tasks whose image cannot be read are left out with a finding.
 */
export async function withImageSizes(set: EvalTaskSet, baseDir: string, imageRoots: readonly string[]): Promise<Task[]> {
  const ready: Task[] = [];
  const sizes = new Map<string, ReturnType<typeof readImageSize>>();
  for (const task of set.tasks) {
    const origin = set.origins.get(task.id) ?? { file: baseDir, line: 0 };
    try {
      const abs = resolveDatasetPath(baseDir, task.images[0] as string, { file: origin.file, line: origin.line, field: 'images.0' }, { allowedRoots: imageRoots });
      let known = sizes.get(abs);
      if (!known) {
        known = readImageSize(abs);
        sizes.set(abs, known);
      }
      const size = await known;
      ready.push({ ...task, image_size: { width: size.width, height: size.height } });
    } catch (error) {
      const message = error instanceof DatasetPathError ? error.finding.message : error instanceof Error ? error.message : String(error);
      set.findings.push({ severity: 'error', file: origin.file, line: origin.line, field: 'images.0', message: `${message}; task ${JSON.stringify(task.id)} skipped` });
    }
  }
  return ready;
}
