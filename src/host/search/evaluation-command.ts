import path from 'node:path';
import * as vscode from 'vscode';
import { MAX_TURNS_CEILING } from '../../core/search/settings';
import { TRAJECTORY_EDITOR_VIEW_TYPE } from '../editor/trajectory-editor-provider';
import { pickBackend } from './visual-search-command';
import type { SearchServices } from './search-services';
import { defaultEvaluationOutput, evaluationOutputProblem, maxTurnsProblem, parseEvaluationInputs, rolloutsProblem } from './evaluation-inputs';

/**
 * Run Batch Evaluation…: tasks file, k, max-turn limits, output file; then runEvalBatch (exact
 * match judge) with progress and cancel, the report in the output channel, and the output
 * offered in the trajectory editor (its charts show accuracy by max-turn limit).
 */
export async function runEvaluationCommand(services: SearchServices): Promise<void> {
  if (!(await services.requireTrust())) return;
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false, title: 'VisualProbe tasks (JSON / JSON lines) or a .traj.jsonl of tasks',
    filters: { 'Tasks': ['json', 'jsonl'] },
  });
  const tasksUri = picked?.[0];
  if (!tasksUri) return;
  const kText = await vscode.window.showInputBox({
    title: 'Rollouts per task (k of Avg@k)', value: '1', ignoreFocusOut: true,
    validateInput: rolloutsProblem,
  });
  if (kText === undefined) return;
  const limitsText = await vscode.window.showInputBox({
    title: 'Max-turn limits (one pass each)', value: '12', prompt: 'e.g. 12 or 12,24,32', ignoreFocusOut: true,
    validateInput: (t) => maxTurnsProblem(t, MAX_TURNS_CEILING),
  });
  if (limitsText === undefined) return;
  const folder = services.workspaceFolder(tasksUri);
  const out = await vscode.window.showSaveDialog({
    title: 'Output .traj.jsonl (appended to; a rerun resumes)',
    defaultUri: vscode.Uri.file(defaultEvaluationOutput(tasksUri.fsPath, folder?.uri.fsPath)),
    filters: { 'Mini-o3 trajectories': ['jsonl'] },
  });
  if (!out) return;
  const outProblem = evaluationOutputProblem(tasksUri.fsPath, out.fsPath);
  if (outProblem) {
    void vscode.window.showErrorMessage(`Mini-o3: ${outProblem}`);
    return;
  }
  const inputs = parseEvaluationInputs(kText, limitsText, MAX_TURNS_CEILING);
  if (typeof inputs === 'string') {
    void vscode.window.showErrorMessage(`Mini-o3: ${inputs}`);
    return;
  }
  const backend = await pickBackend(services, tasksUri);
  if (!backend) return;
  const config = services.config(tasksUri, backend);
  if (!config) return;
  const { rollouts, maxTurns } = inputs;
  const concurrency = 4;

  const [{ runEvalBatch }, { loadEvalTasks, withImageSizes }, { exactJudge }, { computeEvalMetrics }, { formatEvalReport }, { evalRunKey }, { readEvalJournal }, { ImageCache }, { formatFinding }] =
    await Promise.all([import('../../core/eval/batch-run'), import('../../core/eval/eval-tasks'), import('../../core/eval/judge'), import('../../core/eval/metrics'),
      import('../../core/eval/report'), import('../../core/eval/run-key'), import('../../core/eval/run-journal'), import('../../core/imaging'), import('../../core/trajectory/findings')]);
  const outFile = out.fsPath;
  const baseDir = path.dirname(outFile);
  const { mkdir } = await import('node:fs/promises');
  await mkdir(baseDir, { recursive: true });

  const policy = await services.policy(config, concurrency);
  if (!policy) return;
  const output = services.output;
  const controller = new AbortController();
  try {
    const report = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Mini-o3: evaluating ${path.basename(tasksUri.fsPath)}`, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => controller.abort());
        const signal = controller.signal;
        const taskSet = await loadEvalTasks(tasksUri.fsPath, { outFile, signal });
        for (const finding of taskSet.findings.slice(0, 20)) output.appendLine(formatFinding(finding));
        const tasks = await withImageSizes(taskSet, baseDir, taskSet.outsideRoots);
        if (tasks.length === 0) throw new Error(`${tasksUri.fsPath}: no usable tasks (see the Mini-o3 Studio output)`);
        const runKey = evalRunKey({ model: policy.name, backend: policy.backend, settings: config.settings });
        const journal = await readEvalJournal(outFile, { signal });
        const done = journal.runs.get(runKey)?.samples ?? new Map();
        if (done.size > 0) output.appendLine(`resuming ${runKey}: ${done.size} trajectories already in ${outFile} are skipped`);
        const { max_turns: _unused, ...settings } = config.settings;
        const result = await runEvalBatch({
          tasks, baseDir, outFile, policy, judge: exactJudge, runKey, imageRoots: taskSet.outsideRoots, signal,
          maxTurns, rollouts, concurrency, settings, done: new Set(done.keys()),
          imageCache: new ImageCache({ maxBytes: 512 * 1024 * 1024 }),
          onProgress: (p) => progress.report({
            message: `${p.skipped + p.written}/${p.planned} done, ${p.running} running${p.errors ? `, ${p.errors} failed` : ''}`,
          }),
        });
        const metrics = computeEvalMetrics([...done.values(), ...result.samples]);
        for (const f of result.failures.slice(0, 5)) output.appendLine(`failed: ${f.taskId} max_turns ${f.maxTurns} rollout ${f.rollout}: ${f.message}`);
        if (result.stopped) output.appendLine(`stopped early: ${result.stopped}`);
        return { text: formatEvalReport(metrics, { judge: exactJudge.name, runKey }), written: result.written, stopped: result.stopped };
      },
    );
    output.appendLine(report.text);
    output.show(true);
    const choice = await vscode.window.showInformationMessage(
      `Mini-o3: evaluation ${report.stopped ? `stopped (${report.stopped})` : 'finished'}: ${report.written} trajectories appended to ${path.basename(outFile)}.`,
      'Open in Trajectory Editor',
    );
    if (choice) await vscode.commands.executeCommand('vscode.openWith', out, TRAJECTORY_EDITOR_VIEW_TYPE);
  } catch (error) {
    void vscode.window.showErrorMessage(`Mini-o3: evaluation failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await policy.dispose?.();
  }
}
