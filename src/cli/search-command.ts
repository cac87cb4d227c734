import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { readImageSize } from '../core/imaging';
import { runVisualSearch } from '../core/search/agent-loop';
import type { SearchEvent } from '../core/search/events';
import { SearchSettingsError, resolveSearchSettings, type SearchSettings } from '../core/search/settings';
import { appendTrajectories } from '../core/store';
import { isInside } from '../core/formats/import-common';
import { searchTaskId, withImagePlaceholder } from '../core/search/task-identity';
import type { Task } from '../core/trajectory/schema';
import { checkBackendOptions, policyFromOptions } from './model-backend';
import { interruptSignal, UsageError } from './progress';

export interface SearchCommandOptions {
  image: string;
  question: string;
  answer?: string;
  taskId?: string;
  backend?: string;
  url?: string;
  model?: string;
  /** onnx: execution providers in order. */
  ep?: string;
  maxTurns?: number;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  seed?: number;
  timeout?: number;
  out: string;
  copyImage?: boolean;
  quiet?: boolean;
}

/**
 * `search`: one visual search with the model (`--backend`), its turns printed as they stream,
 * the trajectory appended to --out. An image outside --out's folder is stored by a relative
 * path (`../…`), which later readers follow only with --image-root; --copy-image copies it
 * into `<folder of --out>/images/` instead so the file stands alone.
 */
export async function searchCommand(o: SearchCommandOptions): Promise<number> {
  checkBackendOptions(o);
  const outFile = path.resolve(o.out);
  const baseDir = path.dirname(outFile);
  const settings = checkedSettings({ max_turns: o.maxTurns, max_tokens: o.maxTokens, temperature: o.temperature, top_p: o.topP, seed: o.seed });
  const imageAbs = path.resolve(o.image);
  let size;
  try {
    size = await readImageSize(imageAbs);
  } catch (error) {
    throw new UsageError(`--image ${o.image}: ${(error as Error).message}`);
  }
  await mkdir(baseDir, { recursive: true });
  const placed = await placeImage(imageAbs, baseDir, o.copyImage === true);
  const policy = await policyFromOptions(o);

  const question = withImagePlaceholder(o.question);
  const task: Task = {
    id: o.taskId ?? searchTaskId(imageAbs, question),
    question,
    images: [placed.relative],
    ...(o.answer !== undefined ? { answer: o.answer } : {}),
    image_size: { width: size.width, height: size.height },
  };
  const out = process.stdout;
  const print = o.quiet ? () => undefined : (text: string) => void out.write(text);
  const trajectory = await runVisualSearch({
    task,
    baseDir,
    policy,
    settings,
    signal: interruptSignal(),
    ...(placed.root ? { imageRoots: [placed.root] } : {}),
    onEvent: (event) => print(eventText(event)),
  });
  await policy.dispose?.();
  await appendTrajectories(outFile, [trajectory]);

  const outcome = trajectory.outcome ?? {};
  const status = outcome.status ?? 'unknown';
  console.log(`\n${status}: answer ${outcome.answer === undefined || outcome.answer === null ? '(none)' : JSON.stringify(outcome.answer)}` +
    `${typeof outcome.correct === 'boolean' ? ` (${outcome.correct ? 'correct' : 'wrong'} by exact match)` : ''}, ${trajectory.turns.length} turns`);
  if (outcome.error) console.error(`error: ${outcome.error}`);
  console.log(`appended trajectory ${trajectory.id} to ${outFile}${status === 'cancelled' ? ' (cancelled: the turns so far are kept)' : ''}`);
  if (placed.root) {
    console.error(`note: the image is outside ${baseDir}; it is stored as ${placed.relative}. ` +
      `Pass --image-root ${placed.root} to validate/stats/export (miniO3.imageRoots in VS Code), or rerun with --copy-image.`);
  }
  return status === 'error' ? 1 : status === 'cancelled' ? 130 : 0;
}

export function checkedSettings(partial: Partial<SearchSettings>): Partial<SearchSettings> {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<SearchSettings>;
  try {
    resolveSearchSettings(defined);
  } catch (error) {
    if (error instanceof SearchSettingsError) throw new UsageError(`--${String(error.field).replace(/_/g, '-')}: ${error.message.replace(/^settings\.\w+: /, '')}`);
    throw error;
  }
  return defined;
}

/** One line per event kind; deltas as they come. */
function eventText(event: SearchEvent): string {
  switch (event.type) {
    case 'turnStarted':
      return `\n── turn ${event.turn + 1} ──\n`;
    case 'textDelta':
      return event.delta;
    case 'turnRestarted':
      return `\n[the stream broke; turn ${event.turn + 1} starts again]\n`;
    case 'cropMade': {
      const [x0, y0, x1, y1] = event.rectInOriginal;
      return `\n  crop → observation_${event.observationIndex}: [${x0}, ${y0}, ${x1}, ${y1}] of the original, ` +
        `${event.size.width}×${event.size.height} px, seen as ${event.modelSize.width}×${event.modelSize.height}`;
    }
    case 'turnFinished':
      return `\n  [${event.action}, ${event.status}]\n`;
    case 'trajectoryFinished':
      return '';
  }
}

/**
 * Where the trajectory points for the image: relative to `baseDir`. Outside it, the relative
 * path leaves the folder and `root` names the folder readers must allow; with `copy`, the
 * file is copied to `images/` (a different file of the same name gets a content hash suffix).
 */
async function placeImage(imageAbs: string, baseDir: string, copy: boolean): Promise<{ relative: string; root: string | null }> {
  const rel = (abs: string) => path.relative(baseDir, abs).split(path.sep).join('/');
  if (isInside(baseDir, imageAbs)) return { relative: rel(imageAbs), root: null };
  if (!copy) return { relative: rel(imageAbs), root: path.dirname(imageAbs) };
  const bytes = await readFile(imageAbs);
  const dir = path.join(baseDir, 'images');
  await mkdir(dir, { recursive: true });
  let target = path.join(dir, path.basename(imageAbs));
  const existing = await stat(target).then((s) => s, () => null);
  if (existing) {
    const same = existing.size === bytes.length && (await readFile(target)).equals(bytes);
    if (!same) {
      const { name, ext } = path.parse(imageAbs);
      target = path.join(dir, `${name}-${createHash('sha256').update(bytes).digest('hex').slice(0, 8)}${ext}`);
    }
  }
  if (!(await stat(target).then(() => true, () => false))) await copyFile(imageAbs, target);
  return { relative: rel(target), root: null };
}
