import { IMAGE_PLACEHOLDER } from '../protocol/prompts';
import type { PlannedSample, RefusalCode } from './sample';
import { estimateSampleTokens, type SampleTokenEstimate } from './token-estimate';

export interface SampleProblem {
  code: RefusalCode;
  message: string;
  /** False for a problem that is only reported (the sample still exports). */
  fatal: boolean;
}

export interface ValidateOptions {
  cutoffTokens: number;
  /** Refuse samples with images outside [min_pixels, max_pixels] instead of only reporting them. */
  strictPixelBounds?: boolean;
}

export interface SampleValidation {
  problems: SampleProblem[];
  tokens: SampleTokenEstimate | null;
}

/**
 * Checks a planned sample against what the trainers require before anything is written:
 * role order (LLaMA-Factory skips odd-length conversations, so it must end on the assistant),
 * placeholder count, Mini-o3's pixel bounds and the token cutoff.
 */
export function validateSample(sample: PlannedSample, options: ValidateOptions): SampleValidation {
  const problems: SampleProblem[] = [];
  const roleProblem = checkRoles(sample);
  if (roleProblem) problems.push({ code: 'role_order', message: roleProblem, fatal: true });

  const placeholders = sample.messages.reduce((n, m) => n + countPlaceholders(m.content), 0);
  if (placeholders !== sample.images.length) {
    const where = sample.messages
      .map((m, i) => ({ i, role: m.role, n: countPlaceholders(m.content) }))
      .filter((x) => x.n > 0)
      .map((x) => `message ${x.i} (${x.role}): ${x.n}`)
      .join(', ');
    problems.push({
      code: 'image_count_mismatch',
      message: `${placeholders} ${IMAGE_PLACEHOLDER} placeholders (${where || 'none'}) but ${sample.images.length} images; the trainers require them equal`,
      fatal: true,
    });
  }

  const { min_pixels: minPixels, max_pixels: maxPixels } = sample.limits;
  for (const [i, image] of sample.images.entries()) {
    const { width, height } = image.size;
    const area = width * height;
    // Mini-o3's upscale truncates both sides with int(), landing up to one row plus one column
    // below min_pixels; that is what the model saw, so only larger deviations are reported.
    const truncationSlack = width + height;
    if (area > maxPixels || area < minPixels - truncationSlack) {
      const what = image.kind === 'crop' ? `observation_${image.observation}` : `task image ${image.taskIndex}`;
      problems.push({
        code: 'image_pixels_out_of_bounds',
        message: `image ${i} (${what}) is ${width}x${height} = ${area} pixels after Mini-o3's rescale, outside [${minPixels}, ${maxPixels}] (its side/aspect fix-ups move it out); trainers will rescale it again`,
        fatal: options.strictPixelBounds === true,
      });
    }
  }

  let tokens: SampleTokenEstimate | null = null;
  try {
    tokens = estimateSampleTokens(sample.messages, sample.images.map((im) => im.size), { minPixels, maxPixels });
  } catch (error) {
    problems.push({ code: 'image_error', message: `cannot size an image for the model: ${error instanceof Error ? error.message : String(error)}`, fatal: true });
  }
  if (tokens && tokens.total > options.cutoffTokens) {
    problems.push({
      code: 'token_cutoff',
      message: `estimated ${tokens.total} tokens (text ${tokens.text} + images ${tokens.images}) > cutoff ${options.cutoffTokens}`,
      fatal: true,
    });
  }
  return { problems, tokens };
}

export function countPlaceholders(text: string): number {
  return text.split(IMAGE_PLACEHOLDER).length - 1;
}

function checkRoles(sample: PlannedSample): string | null {
  const roles = sample.messages.map((m) => m.role);
  const start = roles[0] === 'system' ? 1 : 0;
  const turns = roles.slice(start);
  if (turns.length === 0) return 'no user/assistant messages';
  for (const [k, role] of turns.entries()) {
    const expected = k % 2 === 0 ? 'user' : 'assistant';
    if (role !== expected) return `message ${k + start} is ${role}, expected ${expected} (system?, then user/assistant alternating)`;
  }
  if (turns.length % 2 !== 0) return `the conversation ends with a ${turns[turns.length - 1]} message; it must end with an assistant turn`;
  return null;
}
