import path from 'node:path';

export interface ImageRootContext {
  /** Workspace folders (absolute); relative roots resolve against the first, else the document's folder. */
  workspaceFolders: readonly string[];
  documentFolder: string;
  home: string;
}

/**
 * The `miniO3.imageRoots` setting as absolute folders: `~` is the home folder, relative paths are
 * relative to the first workspace folder. Entries that are not non-empty strings are skipped.
 */
export function resolveImageRoots(setting: unknown, ctx: ImageRootContext): string[] {
  if (!Array.isArray(setting)) return [];
  const base = ctx.workspaceFolders[0] ?? ctx.documentFolder;
  const roots = new Set<string>();
  for (const entry of setting) {
    if (typeof entry !== 'string' || entry.trim() === '') continue;
    const trimmed = entry.trim();
    const expanded = trimmed === '~' ? ctx.home : trimmed.startsWith('~/') ? path.join(ctx.home, trimmed.slice(2)) : trimmed;
    roots.add(path.resolve(base, expanded));
  }
  return [...roots];
}
