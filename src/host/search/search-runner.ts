import { mkdir, open as openFile } from 'node:fs/promises';
import path from 'node:path';
import * as vscode from 'vscode';
import type { Policy } from '../../core/model/policy';
import type { VisualSearchOptions } from '../../core/search/agent-loop';
import type { Trajectory } from '../../core/trajectory/schema';
import { TRAJECTORY_EDITOR_VIEW_TYPE, type TrajectoryEditorProvider } from '../editor/trajectory-editor-provider';
import type { TrajectoryDocument } from '../editor/trajectory-document';
import { lastLineNumber } from './file-lines';
import { LiveRow } from './live-row';
import { SearchProgressText } from './search-progress';
import { isAuthFailure } from './secret-key';

/** One search to run: everything runVisualSearch needs but the policy, signal and listener. */
export type SearchJob = Omit<VisualSearchOptions, 'policy' | 'signal' | 'onEvent'>;

export interface LiveSearchRequest {
  /** The .traj.jsonl the results are appended to (created if missing) and shown in. */
  file: vscode.Uri;
  title: string;
  jobs: SearchJob[];
  policy: Policy;
  concurrency: number;
  /** Shown when a search ends with HTTP 401/403 (the openai backend's server). */
  serverUrl?: string;
}

/** Progress lines are redrawn at most this often: a notification per streamed delta would flood the renderer. */
const PROGRESS_INTERVAL_MS = 150;

/**
 * Runs searches in the trajectory editor: opens the file, streams every search's turns into it
 * live (one row each), shows a cancellable progress notification, appends each finished
 * trajectory to the file (cancelled ones too, marked so) and selects it.
 */
export class SearchRunner {
  private readonly controllers = new Set<AbortController>();
  private appendQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly editors: TrajectoryEditorProvider, private readonly output: vscode.OutputChannel) {}

  get running(): number {
    return this.controllers.size;
  }

  /** Aborts every running search (miniO3.cancelSearch); returns how many. */
  cancelAll(): number {
    const count = this.controllers.size;
    for (const controller of this.controllers) controller.abort();
    return count;
  }

  async run(request: LiveSearchRequest): Promise<Trajectory[]> {
    const document = await this.openInEditor(request.file);
    const controller = new AbortController();
    this.controllers.add(controller);
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: request.title, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          const lines = request.jobs.map(() => 'starting…');
          let lastReport = 0;
          let pending: NodeJS.Timeout | null = null;
          const report = () => {
            pending = null;
            lastReport = Date.now();
            progress.report({ message: request.jobs.length === 1 ? lines[0] : lines.map((l, i) => `#${i + 1} ${l}`).join(' · ') });
          };
          const changed = () => {
            if (Date.now() - lastReport >= PROGRESS_INTERVAL_MS) report();
            else pending ??= setTimeout(report, PROGRESS_INTERVAL_MS);
          };
          const results = await mapConcurrent(request.jobs, request.concurrency, (job, index) =>
            this.runOne(job, request, document, controller.signal, (line) => {
              lines[index] = line;
              changed();
            }));
          if (pending) clearTimeout(pending);
          return results;
        },
      );
    } finally {
      this.controllers.delete(controller);
    }
  }

  private async runOne(job: SearchJob, request: LiveSearchRequest, document: TrajectoryDocument, signal: AbortSignal, onLine: (line: string) => void): Promise<Trajectory> {
    const { runVisualSearch } = await import('../../core/search/agent-loop');
    const row = new LiveRow(document, (message) => this.output.appendLine(`live row: ${message}`));
    const text = new SearchProgressText(job.prefix ? countCrops(job.prefix.trajectory.turns.slice(0, job.prefix.turns)) : 0);
    try {
      const trajectory = await runVisualSearch({
        ...job,
        policy: request.policy,
        signal,
        onEvent: (event) => {
          const line = text.update(event);
          if (line !== null) onLine(line);
          if (event.type !== 'turnFinished' && event.type !== 'trajectoryFinished') return;
          const firstPut = row.currentLine === undefined;
          void row.put(event.trajectory).then(() => {
            // A lone search is selected as its first turn lands, so the detail panel and tree follow it live.
            const line = row.currentLine;
            if (firstPut && request.jobs.length === 1 && line !== undefined) for (const s of this.editors.sessionsOf(request.file)) s.select(line);
          });
        },
      });
      await row.settled();
      const line = await this.append(request.file.fsPath, trajectory, document, row);
      this.output.appendLine(`${trajectory.id}: ${trajectory.outcome?.status ?? 'finished'} after ${trajectory.turns.length} turns` +
        `${trajectory.outcome?.answer ? `, answer ${JSON.stringify(trajectory.outcome.answer)}` : ''}; line ${line} of ${request.file.fsPath}`);
      if (trajectory.outcome?.error) this.reportError(trajectory, request.serverUrl);
      for (const session of this.editors.sessionsOf(request.file)) session.select(line);
      return trajectory;
    } finally {
      row.dispose();
    }
  }

  /**
   * Appends one line (appends are serialized so concurrent rollouts never interleave) and returns
   * its line number. A document with unsaved edits does not reload from disk, so there the live
   * row keeps showing the result until the document is saved or reverted.
   */
  private append(file: string, trajectory: Trajectory, document: TrajectoryDocument, row: LiveRow): Promise<number> {
    const run = async () => {
      const { appendTrajectories } = await import('../../core/store');
      await appendTrajectories(file, [trajectory]);
      return document.isDirty ? (row.currentLine ?? (await lastLineNumber(file))) : lastLineNumber(file);
    };
    const next = this.appendQueue.then(run, run);
    this.appendQueue = next.catch(() => undefined);
    return next;
  }

  private reportError(trajectory: Trajectory, serverUrl: string | undefined): void {
    const error = trajectory.outcome?.error ?? '';
    this.output.appendLine(`${trajectory.id}: ${error}`);
    if (isAuthFailure(error)) {
      void vscode.window.showErrorMessage(
        `Mini-o3: the model server${serverUrl ? ` ${serverUrl}` : ''} refused the request (HTTP 401/403): set its API key with "Mini-o3: Set Model Server API Key…". The turns so far are kept in the file.`,
        'Set API Key',
      ).then((choice) => choice && vscode.commands.executeCommand('miniO3.setApiKey'));
    } else {
      void vscode.window.showErrorMessage(`Mini-o3: the search ${trajectory.id} ended with an error: ${error}`);
    }
  }

  /** Creates the file if needed, opens it in the trajectory editor and returns its document. */
  private async openInEditor(file: vscode.Uri): Promise<TrajectoryDocument> {
    await mkdir(path.dirname(file.fsPath), { recursive: true });
    await (await openFile(file.fsPath, 'a')).close();
    const opened = this.editors.documentOf(file) ? null : waitFor(this.editors.onDidOpenSession, (s) => s.document.uri.toString() === file.toString(), 15_000);
    await vscode.commands.executeCommand('vscode.openWith', file, TRAJECTORY_EDITOR_VIEW_TYPE, { preview: false });
    const document = this.editors.documentOf(file) ?? (await opened)?.document;
    if (!document) throw new Error(`${file.fsPath} did not open in the Mini-o3 trajectory editor`);
    return document;
  }
}

function countCrops(turns: readonly { text: string }[]): number {
  return turns.filter((t) => t.text.includes('<grounding>')).length;
}

function waitFor<T>(event: vscode.Event<T>, accept: (value: T) => boolean, timeoutMs: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      resolve(undefined);
    }, timeoutMs);
    const subscription = event((value) => {
      if (!accept(value)) return;
      clearTimeout(timer);
      subscription.dispose();
      resolve(value);
    });
  });
}

/** Runs `work` over `items`, `limit` at a time; results in item order. */
async function mapConcurrent<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
