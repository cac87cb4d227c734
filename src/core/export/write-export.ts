import { mkdir, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';

export class ExportFolderError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExportFolderError';
  }
}

export interface ExportFolder {
  /** The final folder (absolute). */
  outDir: string;
  /** Where everything is written until `commit`. */
  tmpDir: string;
  /** Renames the temp folder into place; an existing outDir (overwrite) is moved aside, then removed. */
  commit(): Promise<void>;
  /** Removes the temp folder and everything in it. */
  discard(): Promise<void>;
}

/**
 * Exports are built in `<outDir>.tmp-<pid>-<time>` beside the target and renamed into place,
 * so a reader never sees a half-written export and a failure leaves nothing behind.
 */
export async function openExportFolder(outDir: string, options: { overwrite?: boolean } = {}): Promise<ExportFolder> {
  const target = path.resolve(outDir);
  await assertReplaceable(target, options.overwrite === true);
  await mkdir(path.dirname(target), { recursive: true });
  const tmpDir = `${target}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmpDir);
  return {
    outDir: target,
    tmpDir,
    async commit() {
      const existing = await assertReplaceable(target, options.overwrite === true);
      if (existing === 'empty') await rmdir(target);
      if (existing !== 'non-empty') {
        await rename(tmpDir, target);
        return;
      }
      const aside = `${target}.old-${process.pid}-${Date.now()}`;
      await rename(target, aside);
      try {
        await rename(tmpDir, target);
      } catch (error) {
        await rename(aside, target).catch(() => undefined);
        throw new ExportFolderError(`could not move the export into ${target}: ${messageOf(error)}; the previous export is unchanged`, { cause: error });
      }
      await rm(aside, { recursive: true, force: true });
    },
    discard: () => rm(tmpDir, { recursive: true, force: true }),
  };
}

type Existing = 'missing' | 'empty' | 'non-empty';

async function assertReplaceable(target: string, overwrite: boolean): Promise<Existing> {
  let info;
  try {
    info = await stat(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  if (!info.isDirectory()) throw new ExportFolderError(`${target} exists and is not a folder; choose another output folder`);
  const entries = await readdir(target);
  if (entries.length === 0) return 'empty';
  if (!overwrite) {
    throw new ExportFolderError(`${target} already exists and is not empty (${entries.length} entries); choose another folder or pass overwrite to replace it`);
  }
  return 'non-empty';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
