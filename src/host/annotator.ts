import { execFile } from 'node:child_process';
import * as os from 'node:os';

/** Where the annotator's name comes from, in the order they are tried. */
export interface AnnotatorSources {
  /** The `miniO3.annotatorName` setting as read (any type: settings JSON is user input). */
  setting: unknown;
  /** `git config user.name` in the workspace folder; null when git or the setting is absent. */
  gitUserName(): Promise<string | null>;
  /** The operating-system account name. */
  osUserName(): string;
}

export interface ResolvedAnnotator {
  name: string;
  source: 'setting' | 'git' | 'os' | 'fallback';
}

/** Used only when every source is empty (an account without a name). */
const FALLBACK_NAME = 'unknown annotator';

/** The setting, else git's user.name, else the OS user: the first that is a non-blank string. */
export async function resolveAnnotatorName(sources: AnnotatorSources): Promise<ResolvedAnnotator> {
  const setting = cleanName(sources.setting);
  if (setting) return { name: setting, source: 'setting' };
  const git = cleanName(await sources.gitUserName().catch(() => null));
  if (git) return { name: git, source: 'git' };
  let osName: string | null = null;
  try {
    osName = cleanName(sources.osUserName());
  } catch {
    // os.userInfo() throws for a uid without a passwd entry (some containers).
  }
  if (osName) return { name: osName, source: 'os' };
  return { name: FALLBACK_NAME, source: 'fallback' };
}

function cleanName(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

const GIT_TIMEOUT_MS = 3_000;

/** `git config user.name` run in `folder`; null when git is missing, fails or has no name. */
export function gitUserNameIn(folder: string | undefined): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('git', ['config', 'user.name'], { cwd: folder, timeout: GIT_TIMEOUT_MS, windowsHide: true }, (error, stdout) => {
      resolve(error ? null : stdout.trim() || null);
    });
  });
}

export function osUserName(): string {
  return os.userInfo().username;
}
