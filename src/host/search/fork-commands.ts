import path from 'node:path';
import * as vscode from 'vscode';
import { validateTrajectoryValue } from '../../core/trajectory/validate';
import { formatFinding } from '../../core/trajectory/findings';
import type { Trajectory } from '../../core/trajectory/schema';
import type { EditorSession } from '../editor/editor-session';
import type { SearchServices } from './search-services';
import { parseCount } from './task-input';
import { pickBackend } from './visual-search-command';

/** `{line, turn}` from the webview (or a keybinding's args); anything else reads the active selection. */
interface TurnTarget {
  line: number;
  turn: number | null;
}

function targetOf(arg: unknown, session: EditorSession): TurnTarget | null {
  if (typeof arg === 'object' && arg !== null && typeof (arg as { line?: unknown }).line === 'number') {
    const { line, turn } = arg as { line: number; turn?: unknown };
    return { line, turn: typeof turn === 'number' ? turn : null };
  }
  const { line, turn } = session.selection;
  return line === null ? null : { line, turn };
}

/** The trajectory at a line as the document holds it now (edits included), checked. */
async function currentTrajectory(session: EditorSession, line: number): Promise<Trajectory> {
  const view = await session.document.model.trajectoryView(line);
  const checked = validateTrajectoryValue(view.raw, session.document.model.displayName, line);
  if (!checked.ok) throw new Error(checked.findings.map(formatFinding).join('\n') || `line ${line} is not a valid trajectory`);
  return checked.trajectory;
}

function activeSession(services: SearchServices, what: string): EditorSession | null {
  const session = services.editors.activeSession;
  if (!session) void vscode.window.showInformationMessage(`Mini-o3: open a .traj.jsonl in the trajectory editor and select a trajectory to ${what}.`);
  return session ?? null;
}

/** Regenerate from This Turn: keep turns 0..k-1 (as edited) and generate the rest as a new branch of the task. */
export async function regenerateFromTurnCommand(services: SearchServices, arg?: unknown): Promise<void> {
  if (!(await services.requireTrust())) return;
  const session = activeSession(services, 'regenerate');
  if (!session) return;
  const target = targetOf(arg, session);
  if (!target || target.turn === null) {
    void vscode.window.showInformationMessage('Mini-o3: select a turn of a trajectory to regenerate from it.');
    return;
  }
  await runFromDocument(services, session, target.line, async (trajectory, settings) => {
    const turns = target.turn!;
    if (turns >= settings.max_turns) throw new Error(`turn ${turns + 1} is past miniO3.maxTurns (${settings.max_turns})`);
    return { title: `Mini-o3: regenerating ${trajectory.id} from turn ${turns + 1}`, count: 1, prefix: { trajectory, turns } };
  });
}

/** Run N Rollouts: N new searches of the selected trajectory's task under the current sampling settings. */
export async function runRolloutsCommand(services: SearchServices, arg?: unknown): Promise<void> {
  if (!(await services.requireTrust())) return;
  const session = activeSession(services, 'run rollouts of its task');
  if (!session) return;
  const target = targetOf(arg, session);
  if (!target) {
    void vscode.window.showInformationMessage('Mini-o3: select a trajectory: its task is rolled out again.');
    return;
  }
  const answer = await vscode.window.showInputBox({
    title: 'Rollouts of the selected task',
    prompt: 'How many (run 4 at a time at most)',
    value: '4',
    ignoreFocusOut: true,
    validateInput: (text) => {
      const n = parseCount(text, 1, 64, 'The number of rollouts');
      return typeof n === 'string' ? n : null;
    },
  });
  if (answer === undefined) return;
  const count = parseCount(answer, 1, 64, 'The number of rollouts') as number;
  await runFromDocument(services, session, target.line, async (trajectory, settings) => {
    if (settings.temperature === 0 && count > 1) {
      void vscode.window.showWarningMessage('Mini-o3: miniO3.temperature is 0 (greedy decoding): the rollouts will be identical.');
    }
    return { title: `Mini-o3: ${count} rollouts of ${trajectory.task.id}`, count };
  });
}

interface ForkPlan {
  title: string;
  count: number;
  prefix?: { trajectory: Trajectory; turns: number };
}

async function runFromDocument(
  services: SearchServices,
  session: EditorSession,
  line: number,
  plan: (trajectory: Trajectory, settings: import('../../core/search/settings').SearchSettings) => Promise<ForkPlan>,
): Promise<void> {
  const file = session.document.uri;
  const backend = await pickBackend(services, file);
  if (!backend) return;
  const config = services.config(file, backend);
  if (!config) return;
  let trajectory: Trajectory;
  let forkPlan: ForkPlan;
  try {
    trajectory = await currentTrajectory(session, line);
    forkPlan = await plan(trajectory, config.settings);
  } catch (error) {
    void vscode.window.showErrorMessage(`Mini-o3: ${path.basename(file.fsPath)}:${line}: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  const concurrency = Math.min(4, forkPlan.count);
  const policy = await services.policy(config, concurrency);
  if (!policy) return;
  const seed = config.settings.seed;
  const jobs = Array.from({ length: forkPlan.count }, (_, i) => ({
    task: trajectory.task,
    baseDir: path.dirname(file.fsPath),
    // A fixed seed would make every rollout the same: each gets its own.
    settings: seed === undefined ? config.settings : { ...config.settings, seed: seed + i },
    imageRoots: session.document.roots,
    ...(forkPlan.prefix ? { prefix: forkPlan.prefix } : {}),
  }));
  try {
    await services.runner.run({
      file, title: forkPlan.title, jobs, policy, concurrency,
      ...(config.backend === 'openai' ? { serverUrl: config.serverUrl } : {}),
    });
  } catch (error) {
    void vscode.window.showErrorMessage(`Mini-o3: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await policy.dispose?.();
  }
}
