import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isInside } from '../../core/formats/import-common';

/** Where searches go when the user does not say: `<workspace>/mini-o3-runs/searches.traj.jsonl`. */
export function defaultSearchFile(workspaceFolder: string): string {
  return path.join(workspaceFolder, 'mini-o3-runs', 'searches.traj.jsonl');
}

export type ImagePlan =
  /** Point at the image where it is, by a path relative to the output file's folder. */
  | { kind: 'reference'; relative: string }
  /** Copy it into `<output folder>/images/` first (a file of the same name but other bytes gets a digest suffix). */
  | { kind: 'copy'; folder: string };

/**
 * How a searched image is stored. Inside the output file's folder: by a relative path. Inside
 * the workspace folder and a folder the trajectory editor may read (`viewerRoots`, the resolved
 * miniO3.imageRoots): by a relative path too (`../…`). Anywhere else it is copied, so the file
 * stands alone and the editor shows the picture (it reads images only under those folders).
 */
export function planImagePlacement(imageAbs: string, outFile: string, workspaceFolder: string | null, viewerRoots: readonly string[]): ImagePlan {
  const outDir = path.dirname(outFile);
  const relative = path.relative(outDir, imageAbs).split(path.sep).join('/');
  if (isInside(outDir, imageAbs)) return { kind: 'reference', relative };
  if (workspaceFolder !== null && isInside(workspaceFolder, imageAbs) && viewerRoots.some((root) => isInside(root, imageAbs))) {
    return { kind: 'reference', relative };
  }
  return { kind: 'copy', folder: path.join(outDir, 'images') };
}

/** Carries out the plan; returns the image path to store (relative to the output file's folder). */
export async function placeImage(imageAbs: string, outFile: string, plan: ImagePlan): Promise<string> {
  if (plan.kind === 'reference') return plan.relative;
  const bytes = await readFile(imageAbs);
  await mkdir(plan.folder, { recursive: true });
  let target = path.join(plan.folder, path.basename(imageAbs));
  const existing = await stat(target).catch(() => null);
  if (existing && !(existing.size === bytes.length && (await readFile(target)).equals(bytes))) {
    const { name, ext } = path.parse(imageAbs);
    target = path.join(plan.folder, `${name}-${createHash('sha256').update(bytes).digest('hex').slice(0, 8)}${ext}`);
  }
  if (!(await stat(target).then(() => true, () => false))) await copyFile(imageAbs, target);
  return path.relative(path.dirname(outFile), target).split(path.sep).join('/');
}
