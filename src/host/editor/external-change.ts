/**
 * What to do when the file under an open trajectory document changes on disk. Pure decisions;
 * the document shows the dialogs. Edits are never dropped without the user saying so.
 */

/** The document's answer to a change on disk. */
export type ExternalChangeAction =
  /** Nothing changed after all (the watcher fired for our own save, or size and time are the same). */
  | 'ignore'
  /** Clean document: re-read silently. */
  | 'reload'
  /** Dirty document: ask the user (see EXTERNAL_CHANGE_CHOICES). */
  | 'ask';

export function decideExternalChange(state: { changedOnDisk: boolean; dirty: boolean; saving: boolean }): ExternalChangeAction {
  // Our own save replaces the file; the watcher reports it, but the store already re-read it.
  if (state.saving || !state.changedOnDisk) return 'ignore';
  return state.dirty ? 'ask' : 'reload';
}

export const RELOAD_AND_LOSE_EDITS = 'Reload and Lose Edits';
export const KEEP_MY_EDITS = 'Keep My Edits';
export const COMPARE_WITH_DISK = 'Compare';

/** The buttons of the dirty-document question, in order; dismissing the dialog means "keep". */
export const EXTERNAL_CHANGE_CHOICES = [RELOAD_AND_LOSE_EDITS, KEEP_MY_EDITS, COMPARE_WITH_DISK] as const;

export type ExternalChangeChoice = 'reload' | 'keep' | 'compare';

export function externalChangeChoice(button: string | undefined): ExternalChangeChoice {
  if (button === RELOAD_AND_LOSE_EDITS) return 'reload';
  if (button === COMPARE_WITH_DISK) return 'compare';
  return 'keep';
}

export function externalChangeQuestion(fileName: string, editedLines: number): string {
  const what = editedLines === 1 ? '1 edited trajectory' : `${editedLines} edited trajectories`;
  return `${fileName} changed on disk while you have unsaved edits (${what}). Reload it and lose your edits, keep your edits (saving will then need Save As), or compare?`;
}

/** Why a save was refused because the file changed on disk, and what to do instead. */
export function changedOnDiskSaveMessage(fileName: string): string {
  return `Mini-o3: ${fileName} changed on disk since it was opened, so saving would overwrite someone else's changes. Your edits are kept: use Save As to write them to another file, or Revert to load the file from disk.`;
}

/** A save that failed for another reason (read-only folder, full disk): the edits stay in memory and in the backup. */
export function saveFailedMessage(fileName: string, reason: string): string {
  return `Mini-o3: could not save ${fileName}: ${reason}. Your edits are kept in the editor (and in VS Code's backup); try Save As to another folder.`;
}
