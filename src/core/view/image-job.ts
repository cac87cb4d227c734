import { dirname } from 'node:path';
import type { ImageRequest } from '../../protocol';
import type { AnalyzedRecord } from '../analysis/analyze-record';
import { ImagingError } from '../imaging';
import { DatasetPathError, resolveDatasetPath, type ValidRecord } from '../store';
import { limitsOf } from '../trajectory/schema';
import type { RenderJob } from './image-renderer';

const IMAGE_FIELD = 'task.images.0';
const MIN_SIDE = 16;
const MAX_SIDE = 8192;

/** A picture that cannot be made; the message is `file:line: field: reason`, ready to show in the image slot. */
export class ImageRequestError extends Error {
  override readonly name = 'ImageRequestError';
}

export interface ImageJobContext {
  /** The trajectory file's absolute path (image paths are relative to its folder). */
  file: string;
  /** The file as messages name it. */
  displayName: string;
  imageRoots: readonly string[];
}

/** Resolves an ImageRequest against its trajectory: which file, which rectangle, which bounds. */
export function imageJobFor(request: ImageRequest, record: ValidRecord, analyzed: AnalyzedRecord, ctx: ImageJobContext): RenderJob {
  const where = `${ctx.displayName}:${record.line}`;
  const t = record.trajectory;
  let sourcePath: string;
  try {
    sourcePath = resolveDatasetPath(dirname(ctx.file), t.task.images[0]!, { file: ctx.displayName, line: record.line, field: IMAGE_FIELD }, { allowedRoots: ctx.imageRoots });
  } catch (error) {
    if (error instanceof DatasetPathError) throw new ImageRequestError(error.message);
    throw error;
  }
  const limits = limitsOf(t);
  const bounds = { minPixels: limits.min_pixels, maxPixels: limits.max_pixels };
  const maxSide = request.kind === 'original' || request.kind === 'thumbnail' ? clampSide(request.maxSide) : null;
  if (request.kind === 'original') return { sourcePath, kind: 'original', observation: 0, rect: [0, 0, 0, 0], maxSide, bounds };

  const observations = analyzed.replay?.observations;
  if (!observations) {
    const reason = analyzed.findings.find((f) => f.field === IMAGE_FIELD);
    const message = reason ? reason.message.replace(`${reason.file}:${reason.line}: ${IMAGE_FIELD}: `, '') : "the original image's size is unknown";
    throw new ImageRequestError(`${where}: ${IMAGE_FIELD}: ${message}`);
  }
  const n = request.observation;
  const observation = Number.isInteger(n) ? observations.find((o) => o.index === n) : undefined;
  if (!observation) {
    throw new ImageRequestError(`${where}: observation ${n} does not exist (this trajectory has observations 0 to ${observations.length - 1})`);
  }
  return { sourcePath, kind: request.kind, observation: n, rect: observation.rectInOriginal, maxSide, bounds };
}

/** The message for a failure while making the picture: imaging errors name the image file. */
export function imageErrorMessage(error: unknown, displayName: string, line: number): string {
  if (error instanceof ImageRequestError) return error.message;
  if (error instanceof ImagingError) return `${displayName}:${line}: ${IMAGE_FIELD}: ${error.message}`;
  return `${displayName}:${line}: cannot make the picture: ${error instanceof Error ? error.message : String(error)}`;
}

function clampSide(side: number | undefined): number | null {
  if (side === undefined || !Number.isFinite(side)) return null;
  return Math.min(MAX_SIDE, Math.max(MIN_SIDE, Math.round(side)));
}
