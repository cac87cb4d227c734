import type { Box4, Limits, StatusLabel, Trajectory } from '../trajectory/schema';
import { limitsOf } from '../trajectory/schema';
import type { Size } from '../geometry/boxes';
import { minio3CropResizeSize, minio3InitialResizeSize, readImageSize } from '../imaging';
import { replayTrajectory, type TrajectoryReplay } from '../protocol/replay';
import { renderMessages, type ChatMessage } from '../protocol/render';
import { IMAGE_PLACEHOLDER } from '../protocol/prompts';
import { resolveDatasetPath } from '../store/dataset-path';
import { skipAfterReplay, type SelectionOptions, type SkipReason } from './select';

/** Qwen needs both sides >= 28; Mini-o3's dataset loader asserts it for the original. */
const MIN_SIDE = 28;

/**
 * What one exported image will be, decided before any pixel is touched:
 * - `original`: a task image the model saw as is (within Mini-o3's pixel bounds): the file is copied.
 * - `resized-original`: a task image outside the bounds: LANCZOS-resized as Mini-o3's dataset does.
 * - `crop`: observation N, cut from the decoded original at its composed rectangle, then
 *   NEAREST-resized as Mini-o3's rollout does.
 */
export type PlannedImage =
  | { kind: 'original'; taskIndex: number; sourcePath: string; size: Size }
  | { kind: 'resized-original'; taskIndex: number; sourcePath: string; size: Size; sourceSize: Size }
  | { kind: 'crop'; observation: number; originalPath: string; rectInOriginal: Box4; size: Size };

/** A trajectory turned into chat messages plus its images in placeholder order, not yet written. */
export interface PlannedSample {
  id: string;
  line: number;
  messages: ChatMessage[];
  images: PlannedImage[];
  limits: Limits;
  status: StatusLabel;
}

/** Reason codes for trajectories that were selected but cannot be exported. */
export type RefusalCode =
  | 'over_turn'
  | 'void'
  | 'image_path'
  | 'image_error'
  | 'image_count_mismatch'
  | 'role_order'
  | 'image_pixels_out_of_bounds'
  | 'token_cutoff'
  | 'invalid_trajectory';

export type PlanResult =
  | { kind: 'skip'; reason: SkipReason }
  | { kind: 'refuse'; code: RefusalCode; reason: string }
  | { kind: 'ok'; sample: PlannedSample; replay: TrajectoryReplay };

export interface PlanContext {
  /** The trajectory file (for messages) and its folder (image paths are relative to it). */
  file: string;
  datasetDir: string;
  /** Extra folders task images may live in (absolute paths, as in Mini-o3's own data). */
  imageRoots?: readonly string[];
  selection: SelectionOptions;
  /** Header sizes already read in this export, by absolute path (originals are shared by many trajectories). */
  sizes?: Map<string, Promise<Size>>;
}

class RefusalError extends Error {
  constructor(readonly code: RefusalCode, message: string) {
    super(message);
  }
}

/** Replays a trajectory, applies the status filter and lays out its sample (no pixel work). */
export async function planSample(t: Trajectory, line: number, ctx: PlanContext): Promise<PlanResult> {
  try {
    return await plan(t, line, ctx);
  } catch (error) {
    if (error instanceof RefusalError) return { kind: 'refuse', code: error.code, reason: error.message };
    // A trajectory the protocol code cannot handle is refused alone; the rest still export.
    return { kind: 'refuse', code: 'invalid_trajectory', reason: `cannot replay the trajectory: ${messageOf(error)}` };
  }
}

async function plan(t: Trajectory, line: number, ctx: PlanContext): Promise<PlanResult> {
  const limits = limitsOf(t);
  const originalPath = resolveTaskImage(t, 0, line, ctx);
  const originalSize = await headerSize(originalPath, 'task.images.0', ctx.sizes);
  const replay = replayTrajectory(t, { originalSize });
  const skip = skipAfterReplay(replay.status, ctx.selection);
  if (skip) return { kind: 'skip', reason: skip };
  if (replay.status === 'over_turn' || replay.status === 'void') {
    const why = [...replay.turns.flatMap((r) => (r.status === replay.status ? r.findings : [])), ...replay.findings];
    const detail = why.length > 0 ? why.join('; ') : 'the trajectory has no final answer';
    return {
      kind: 'refuse',
      code: replay.status,
      reason: `trajectory is ${replay.status === 'over_turn' ? 'over-turn' : 'void'} (${detail}); SFT samples must end with an answer turn`,
    };
  }

  const rendered = renderMessages(t, replay, { imageToken: IMAGE_PLACEHOLDER });
  const images: PlannedImage[] = [];
  const bounds = { minPixels: limits.min_pixels, maxPixels: limits.max_pixels };
  for (const ref of rendered.images) {
    if (ref.kind === 'task') {
      // A placeholder without an image is left for validation to report as a count mismatch.
      if (ref.index >= t.task.images.length) continue;
      const sourcePath = ref.index === 0 ? originalPath : resolveTaskImage(t, ref.index, line, ctx);
      const sourceSize = ref.index === 0 ? originalSize : await headerSize(sourcePath, `task.images.${ref.index}`, ctx.sizes);
      const steps = guard(() => minio3InitialResizeSize(sourceSize.width, sourceSize.height, bounds, sourcePath));
      const size = steps.at(-1) ?? sourceSize;
      if (size.width < MIN_SIDE || size.height < MIN_SIDE) {
        throw new RefusalError('image_error', `task.images.${ref.index}: ${sourceSize.width}x${sourceSize.height} becomes ${size.width}x${size.height} after Mini-o3's resize; Qwen needs both sides >= ${MIN_SIDE}`);
      }
      images.push(steps.length === 0
        ? { kind: 'original', taskIndex: ref.index, sourcePath, size }
        : { kind: 'resized-original', taskIndex: ref.index, sourcePath, size, sourceSize });
    } else {
      const observation = replay.observations[ref.index];
      if (!observation) throw new Error(`replay of ${t.id} has no observation ${ref.index}`);
      const steps = guard(() => minio3CropResizeSize(observation.size.width, observation.size.height, bounds, `observation_${ref.index}`));
      images.push({
        kind: 'crop',
        observation: ref.index,
        originalPath,
        rectInOriginal: observation.rectInOriginal,
        size: steps.at(-1) ?? observation.size,
      });
    }
  }
  return { kind: 'ok', replay, sample: { id: t.id, line, messages: rendered.messages, images, limits, status: replay.status } };
}

function resolveTaskImage(t: Trajectory, index: number, line: number, ctx: PlanContext): string {
  const rel = t.task.images[index];
  if (rel === undefined) throw new RefusalError('image_path', `task.images.${index} is missing`);
  try {
    return resolveDatasetPath(ctx.datasetDir, rel, { file: ctx.file, line, field: `task.images.${index}` }, { allowedRoots: ctx.imageRoots ?? [] });
  } catch (error) {
    throw new RefusalError('image_path', messageOf(error));
  }
}

async function headerSize(absPath: string, field: string, sizes: Map<string, Promise<Size>> | undefined): Promise<Size> {
  try {
    let size = sizes?.get(absPath);
    if (!size) {
      size = readImageSize(absPath);
      sizes?.set(absPath, size);
    }
    return await size;
  } catch (error) {
    throw new RefusalError('image_error', `${field}: ${messageOf(error)}`);
  }
}

function guard<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw new RefusalError('image_error', messageOf(error));
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
