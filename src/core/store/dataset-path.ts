import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { formatFinding, type Finding } from '../trajectory/findings';

/** Where a path came from, for the error message: file, 1-based line, field (`task.images.0`). */
export interface PathSource {
  file: string;
  line: number;
  field: string;
}

export interface ResolvePathOptions {
  /** Extra folders (besides baseDir) that absolute or relative paths may point into. */
  allowedRoots?: readonly string[];
}

export class DatasetPathError extends Error {
  constructor(readonly finding: Finding, readonly requestedPath: string) {
    super(formatFinding(finding));
    this.name = 'DatasetPathError';
  }
}

/**
 * Resolves an image path from a trajectory file: relative paths against `baseDir` (the file's
 * folder); absolute ones only inside `baseDir` or an allowed root. `..` escapes and symlinks
 * that lead outside (checked on real paths) throw a DatasetPathError naming file:line field.
 */
export function resolveDatasetPath(baseDir: string, relPath: string, source: PathSource, options: ResolvePathOptions = {}): string {
  const fail = (message: string): never => {
    throw new DatasetPathError({ severity: 'error', file: source.file, line: source.line, field: source.field, message }, relPath);
  };
  if (relPath.length === 0) fail('image path "" is empty');
  if (relPath.includes('\0')) fail(`image path ${JSON.stringify(relPath)} contains a NUL byte`);

  const base = resolve(baseDir);
  const roots = [base, ...(options.allowedRoots ?? []).map((root) => resolve(root))];
  const candidate = isAbsolute(relPath) ? resolve(relPath) : resolve(base, relPath);
  const where = roots.length === 1 ? `the dataset folder ${base}` : `the dataset folder ${base} or an allowed root`;
  if (!roots.some((root) => isInside(root, candidate))) {
    fail(`image path ${JSON.stringify(relPath)} resolves to ${candidate}, outside ${where}`);
  }
  const realCandidate = realpathOfExisting(candidate);
  const realRoots = roots.map(realpathOfExisting);
  if (!realRoots.some((root) => isInside(root, realCandidate))) {
    fail(`image path ${JSON.stringify(relPath)} leads through a symlink to ${realCandidate}, outside ${where}`);
  }
  return candidate;
}

function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** realpath of the longest existing prefix, with the missing rest appended (a file may not exist yet). */
function realpathOfExisting(target: string): string {
  const missing: string[] = [];
  let current = target;
  for (;;) {
    try {
      return join(realpathSync.native(current), ...missing.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
      const parent = dirname(current);
      if (parent === current) return target;
      missing.push(basename(current));
      current = parent;
    }
  }
}
