import * as vscode from 'vscode';
import type { TrajectoryEditorProvider } from './editor/trajectory-editor-provider';
import { ValidationDiagnostics } from './validation-diagnostics';

const TRAJ_FILTER = { 'Mini-o3 trajectories': ['jsonl'] };

/** The file in the focused trajectory editor (a custom editor is not an activeTextEditor). */
export type ActiveTrajectoryFile = () => vscode.Uri | undefined;

async function pickTrajectoryFile(uri: vscode.Uri | undefined, activeTrajectory: ActiveTrajectoryFile): Promise<vscode.Uri | undefined> {
  if (uri instanceof vscode.Uri) return uri;
  const inEditor = activeTrajectory();
  if (inEditor) return inEditor;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && active.fsPath.endsWith('.traj.jsonl')) return active;
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: TRAJ_FILTER, title: 'Choose a .traj.jsonl file' });
  return picked?.[0];
}

export function registerCommands(context: vscode.ExtensionContext, output: vscode.OutputChannel, activeTrajectory: ActiveTrajectoryFile = () => undefined): void {
  const diagnostics = new ValidationDiagnostics();
  context.subscriptions.push(diagnostics);

  context.subscriptions.push(
    vscode.commands.registerCommand('miniO3.validateFile', async (uri?: vscode.Uri) => {
      const target = await pickTrajectoryFile(uri, activeTrajectory);
      if (!target) return;
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Validating ${vscode.workspace.asRelativePath(target)}`, cancellable: true },
        (_p, token) => diagnostics.validate(target, token),
      );
      const summary = `${result.trajectories} trajectories: ${result.errors} errors, ${result.warnings} warnings`;
      output.appendLine(`validate ${target.fsPath}: ${summary}`);
      if (result.errors + result.warnings > 0) {
        const choice = await vscode.window.showWarningMessage(`Mini-o3: ${summary}`, 'Show Problems');
        if (choice) await vscode.commands.executeCommand('workbench.actions.view.problems');
      } else {
        void vscode.window.showInformationMessage(`Mini-o3: ${summary}`);
      }
    }),

    vscode.commands.registerCommand('miniO3.showStats', async (uri?: vscode.Uri) => {
      const target = await pickTrajectoryFile(uri, activeTrajectory);
      if (!target) return;
      const { TrajectoryFile } = await import('../core/store');
      const { analyzeRecord, ImageSizeLookup } = await import('../core/analysis/analyze-record');
      const { addToStats, emptyStats, formatStats } = await import('../core/analysis/dataset-stats');
      const stats = emptyStats();
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: 'Mini-o3: reading trajectories' },
        async () => {
          const store = await TrajectoryFile.openStreaming(target.fsPath);
          const sizes = new ImageSizeLookup();
          try {
            for await (const record of store.records()) {
              const { summary } = await analyzeRecord(record, target.fsPath, sizes);
              if (summary) addToStats(stats, summary);
              else if (!(record.ok === false && record.blank)) stats.brokenLines++;
            }
          } finally {
            await store.close();
          }
        },
      );
      output.appendLine(`\n${target.fsPath}\n${formatStats(stats)}`);
      output.show(true);
    }),

    vscode.commands.registerCommand('miniO3.generateSamples', async () => {
      const folder = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, title: 'Folder for the synthetic sample' });
      if (!folder?.[0]) return;
      const countText = await vscode.window.showInputBox({
        prompt: 'How many tasks?',
        value: '8',
        validateInput: (v) => (/^[1-9]\d{0,4}$/.test(v) ? undefined : 'a whole number from 1 to 99999'),
      });
      if (!countText) return;
      const { generateSampleWorkspace } = await import('../core/synth/sample-workspace');
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Mini-o3: generating tasks', cancellable: true },
        async (progress, token) => {
          const controller = new AbortController();
          token.onCancellationRequested(() => controller.abort());
          const total = Number(countText);
          let last = 0;
          return generateSampleWorkspace(folder[0]!.fsPath, {
            tasks: total,
            seed: 1,
            signal: controller.signal,
            onProgress: (done: number) => {
              progress.report({ increment: (100 * (done - last)) / total, message: `${done}/${total}` });
              last = done;
            },
          });
        },
      );
      output.appendLine(`generated ${result.tasks} tasks and ${result.trajectories} demonstrations in ${folder[0].fsPath}`);
      const demos = vscode.Uri.file(result.demosFile);
      await vscode.commands.executeCommand('vscode.open', demos);
    }),
  );
}

/** Review queue and comparison: modes of the focused trajectory editor's webview. */
export function registerCurationCommands(context: vscode.ExtensionContext, editors: TrajectoryEditorProvider): void {
  const activeOrSay = () => {
    const session = editors.activeSession;
    if (!session) void vscode.window.showInformationMessage('Mini-o3: open a .traj.jsonl file in the trajectory editor first.');
    return session;
  };
  context.subscriptions.push(
    vscode.commands.registerCommand('miniO3.openReviewQueue', () => activeOrSay()?.openReviewQueue()),
    vscode.commands.registerCommand('miniO3.compareTrajectories', async () => {
      const session = activeOrSay();
      if (!session) return;
      const model = session.document.model;
      const pickLine = async (lines: number[], title: string) => {
        const items = lines.map((line) => {
          const row = model.row(line);
          const label = row && !row.broken ? row.id : `line ${line}`;
          const description = row && !row.broken ? `line ${line} · ${row.turns} turns · ${row.status ?? 'unchecked'}${row.correct === null ? '' : row.correct ? ' · correct' : ' · wrong'}` : `line ${line}`;
          return { label, description, line };
        });
        return (await vscode.window.showQuickPick(items, { title, matchOnDescription: true }))?.line;
      };
      let first = session.selection.line;
      if (first === null) {
        const all = model.query({ filter: {}, sort: { key: 'line', descending: false }, offset: 0, limit: 5000 }).rows.filter((r) => !r.broken).map((r) => r.line);
        first = (await pickLine(all, 'Compare: first trajectory')) ?? null;
        if (first === null) return;
      }
      const row = model.row(first);
      if (!row || row.broken) return void vscode.window.showWarningMessage(`Mini-o3: line ${first} holds no trajectory to compare.`);
      const others = model.rows.linesOfTask(row.taskId).filter((line) => line !== first);
      if (others.length === 0) return void vscode.window.showInformationMessage(`Mini-o3: task ${row.taskId} has no other trajectory in this file to compare with ${row.id}.`);
      const second = others.length === 1 ? others[0] : await pickLine(others, `Compare ${row.id} with another trajectory of task ${row.taskId}`);
      if (second !== undefined) session.openComparison(first, second);
    }),
  );
}
