import { dirname } from 'node:path';
import type { Finding } from '../trajectory/findings';
import type { ReviewStatus, StatusLabel, Trajectory } from '../trajectory/schema';
import { reviewStatusOf } from '../trajectory/schema';
import { replayTrajectory, type TrajectoryReplay } from '../protocol/replay';
import { exactMatch } from '../eval/exact-match';
import type { Size } from '../geometry/boxes';
import { boxContains } from '../geometry/boxes';
import { resolveDatasetPath } from '../store';
import type { TrajectoryRecord } from '../store';
import { readImageSize } from '../imaging';

/** What the list, `validate` and `stats` need to know about one line. */
export interface TrajectorySummary {
  line: number;
  id: string;
  taskId: string;
  question: string;
  dataSource: string | null;
  /** Derived label; null when the original image's size is unknown so the geometry could not be checked. */
  status: StatusLabel | null;
  turns: number;
  answer: string | null;
  /** Recorded `outcome.correct`, else normalized exact match against the task's answer; null without one. */
  correct: boolean | null;
  reviewStatus: ReviewStatus;
  synthetic: boolean;
  maxTurns: number;
}

export interface AnalyzedRecord {
  summary: TrajectorySummary | null;
  replay: TrajectoryReplay | null;
  findings: Finding[];
}

/** Caches original-image sizes by resolved path (reading a header is cheap, but not free). */
export class ImageSizeLookup {
  private readonly sizes = new Map<string, Promise<Size>>();
  /** Resolved paths (or the reason they were refused) by folder, path and roots: realpath checks are not free. */
  private readonly resolved = new Map<string, { path: string } | { error: Error }>();

  /** `resolveDatasetPath`, memoized; a refusal is rethrown naming this record's file, line and field. */
  resolve(baseDir: string, rel: string, where: { file: string; line: number; field: string }, roots: readonly string[]): string {
    const key = `${baseDir}\0${rel}\0${roots.join('\0')}`;
    let hit = this.resolved.get(key);
    if (!hit) {
      try {
        hit = { path: resolveDatasetPath(baseDir, rel, where, { allowedRoots: [...roots] }) };
      } catch (e) {
        hit = { error: e as Error };
      }
      this.resolved.set(key, hit);
    }
    if ('path' in hit) return hit.path;
    return resolveDatasetPath(baseDir, rel, where, { allowedRoots: [...roots] });
  }

  get(absPath: string): Promise<Size> {
    let p = this.sizes.get(absPath);
    if (!p) {
      p = readImageSize(absPath);
      this.sizes.set(absPath, p);
    }
    return p;
  }
}

export interface AnalyzeOptions {
  /** Folders besides the file's own that image paths may point into (given by the user, never by the file). */
  imageRoots?: readonly string[];
}

export async function analyzeRecord(
  record: TrajectoryRecord,
  file: string,
  sizes: ImageSizeLookup,
  options: AnalyzeOptions = {},
): Promise<AnalyzedRecord> {
  if (!record.ok) return { summary: null, replay: null, findings: record.findings };
  const t = record.trajectory;
  const findings: Finding[] = [];
  const at = (field: string, message: string, severity: Finding['severity'] = 'error'): Finding => ({
    severity, file, line: record.line, field, message,
  });

  const originalSize = await originalSizeOf(t, file, record.line, sizes, options, (f) => findings.push(f));
  let replay: TrajectoryReplay | null = null;
  if (originalSize) {
    replay = replayTrajectory(t, { originalSize });
    for (const r of replay.turns) {
      for (const message of r.findings) {
        const severity = r.status === 'valid' && r.action !== 'void' ? 'warning' : 'error';
        findings.push(at(`turns.${r.index}.text`, message, severity));
      }
    }
    for (const message of replay.findings) findings.push(at('turns', message));
    const gt = t.task.gt_box;
    if (gt && (gt[2] > originalSize.width || gt[3] > originalSize.height || gt[0] < 0 || gt[1] < 0 || gt[0] >= gt[2] || gt[1] >= gt[3])) {
      findings.push(at('task.gt_box', `gt_box [${gt.join(', ')}] is inverted or outside the ${originalSize.width}x${originalSize.height} image`));
    }
    const recorded = t.outcome?.status;
    if (recorded === 'answered' && replay.status !== 'valid' && replay.status !== 'invalid_clip' && replay.status !== 'invalid_format') {
      findings.push(at('outcome.status', `recorded as "answered" but the turns replay as ${replay.status}`, 'warning'));
    }
  }

  const answer = replay ? replay.answer : null;
  const correct = t.outcome?.correct ?? (replay ? exactMatch(answer, t.task.answer) : null);
  const summary: TrajectorySummary = {
    line: record.line,
    id: t.id,
    taskId: t.task.id,
    question: t.task.question,
    dataSource: t.task.data_source ?? null,
    status: replay ? replay.status : null,
    turns: t.turns.length,
    answer,
    correct,
    reviewStatus: reviewStatusOf(t),
    synthetic: t.model?.synthetic === true,
    maxTurns: t.limits?.max_turns ?? 12,
  };
  return { summary, replay, findings };
}

async function originalSizeOf(
  t: Trajectory,
  file: string,
  line: number,
  sizes: ImageSizeLookup,
  options: AnalyzeOptions,
  report: (f: Finding) => void,
): Promise<Size | null> {
  const recorded = t.task.image_size ? { width: t.task.image_size.width, height: t.task.image_size.height } : null;
  const rel = t.task.images[0]!;
  let actual: Size | null = null;
  try {
    const abs = sizes.resolve(dirname(file), rel, { file, line, field: 'task.images.0' }, options.imageRoots ?? []);
    actual = await sizes.get(abs);
  } catch (e) {
    report({ severity: recorded ? 'warning' : 'error', file, line, field: 'task.images.0', message: (e as Error).message });
  }
  if (actual && recorded && (actual.width !== recorded.width || actual.height !== recorded.height)) {
    report({
      severity: 'error', file, line, field: 'task.image_size',
      message: `recorded ${recorded.width}x${recorded.height} but ${rel} is ${actual.width}x${actual.height}`,
    });
  }
  return actual ?? recorded;
}

export function boxHitsTarget(replay: TrajectoryReplay, gt: readonly [number, number, number, number] | undefined): boolean | null {
  if (!gt) return null;
  return replay.observations.some((o) => o.index > 0 && boxContains(o.rectInOriginal, [gt[0], gt[1], gt[2], gt[3]]));
}

