import { dirname } from 'node:path';
import { ImageSizeLookup } from '../core/analysis/analyze-record';
import { computeAgreement, formatAgreement, type AnnotatedTrajectory } from '../core/agreement';
import type { Size } from '../core/geometry/boxes';
import { TrajectoryFile } from '../core/store';
import { UsageError } from './progress';
import { assertReadableFile } from './validate-command';

export interface AgreeOptions {
  json?: boolean;
  imageRoot?: string[];
}

/** Inter-annotator agreement between two annotated copies of one file. Exit 0, or 2 on unusable input. */
export async function agreeCommand(fileA: string, fileB: string, options: AgreeOptions): Promise<number> {
  const sizes = new ImageSizeLookup();
  const a = await readAnnotated(fileA, sizes, options.imageRoot ?? []);
  const b = await readAnnotated(fileB, sizes, options.imageRoot ?? []);
  const report = computeAgreement(a.trajectories, b.trajectories);
  if (report.matched === 0) throw new UsageError(`${fileA} and ${fileB} share no trajectory id: nothing to compare`);
  if (options.json) {
    console.log(JSON.stringify({ a: fileA, b: fileB, brokenLines: { a: a.broken, b: b.broken }, ...report }, null, 2));
  } else {
    console.log(formatAgreement(report, { a: fileA, b: fileB }));
    for (const [name, r] of [[fileA, a], [fileB, b]] as const) {
      if (r.broken) console.log(`${name}: ${r.broken} line(s) do not hold a valid trajectory and were skipped (see \`validate\`)`);
    }
  }
  return 0;
}

async function readAnnotated(file: string, sizes: ImageSizeLookup, roots: string[]): Promise<{ trajectories: AnnotatedTrajectory[]; broken: number }> {
  await assertReadableFile(file);
  const store = await TrajectoryFile.openStreaming(file);
  const trajectories: AnnotatedTrajectory[] = [];
  let broken = 0;
  try {
    for await (const record of store.records()) {
      if (!record.ok) {
        if (!record.blank) broken++;
        continue;
      }
      trajectories.push({ trajectory: record.trajectory, originalSize: await originalSize(record.trajectory, file, record.line, sizes, roots) });
    }
    await store.ready;
  } finally {
    await store.close();
  }
  if (trajectories.length === 0) throw new UsageError(`${file}: holds no valid trajectory${broken ? ` (${broken} broken line(s))` : ' (the file is empty)'}`);
  return { trajectories, broken };
}

/** The image's real size when it can be read, else the recorded `task.image_size`. */
async function originalSize(t: AnnotatedTrajectory['trajectory'], file: string, line: number, sizes: ImageSizeLookup, roots: string[]): Promise<Size | null> {
  try {
    const abs = sizes.resolve(dirname(file), t.task.images[0]!, { file, line, field: 'task.images.0' }, roots);
    return await sizes.get(abs);
  } catch {
    return t.task.image_size ? { width: t.task.image_size.width, height: t.task.image_size.height } : null;
  }
}
