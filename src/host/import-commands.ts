import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { importTarget, type OpenableImportFormat } from '../core/view/import-target';
import { TRAJECTORY_EDITOR_VIEW_TYPE } from './editor/trajectory-editor-provider';

const FORMAT_LABELS: Record<OpenableImportFormat, string> = {
  'minio3-run': 'Mini-o3 run',
  llamafactory: 'LLaMA-Factory dataset',
};

/** "Open Mini-o3 Run Directory…" and "Open LLaMA-Factory Dataset…": import next to the data, then open in the trajectory editor. */
export function registerImportCommands(context: vscode.ExtensionContext, output: vscode.OutputChannel): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('miniO3.openRunDirectory', async (uri?: vscode.Uri) => {
      const folder = uri instanceof vscode.Uri ? uri : (await vscode.window.showOpenDialog({
        canSelectFolders: true,
        canSelectFiles: false,
        canSelectMany: false,
        title: 'Open a Mini-o3 run directory (save_traj output)',
        openLabel: 'Import and Open',
      }))?.[0];
      if (folder) await importAndOpen('minio3-run', folder, output);
    }),
    vscode.commands.registerCommand('miniO3.openLlamaFactoryDataset', async (uri?: vscode.Uri) => {
      const file = uri instanceof vscode.Uri ? uri : (await vscode.window.showOpenDialog({
        canSelectFolders: false,
        canSelectFiles: true,
        canSelectMany: false,
        filters: { 'LLaMA-Factory dataset (.json, .jsonl, dataset_info.json)': ['json', 'jsonl'] },
        title: 'Open a LLaMA-Factory dataset file or dataset_info.json',
        openLabel: 'Import and Open',
      }))?.[0];
      if (file) await importAndOpen('llamafactory', file, output);
    }),
  );
}

async function importAndOpen(format: OpenableImportFormat, picked: vscode.Uri, output: vscode.OutputChannel): Promise<void> {
  if (picked.scheme !== 'file') {
    void vscode.window.showErrorMessage(`Mini-o3: ${picked.toString()} is not a local file; import reads files on disk.`);
    return;
  }
  const { inPath, outFile } = importTarget(format, picked.fsPath);
  if (await exists(outFile)) {
    const choice = await vscode.window.showWarningMessage(
      `${path.basename(outFile)} already exists in ${path.dirname(outFile)}. Replace it with a fresh import?`,
      { modal: true, detail: 'Your edits in that file would be lost. Choose "Open Existing" to keep it.' },
      'Replace',
      'Open Existing',
    );
    if (choice === 'Open Existing') await openTrajectories(outFile);
    if (choice !== 'Replace') return;
  }

  const { importDataset } = await import('../core/formats');
  const { formatFinding } = await import('../core/trajectory/findings');
  const controller = new AbortController();
  let result;
  try {
    result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Mini-o3: importing ${FORMAT_LABELS[format]} ${path.basename(inPath)}`, cancellable: true },
      (progress, token) => {
        token.onCancellationRequested(() => controller.abort());
        let reported = 0;
        return importDataset(format, inPath, {
          outFile,
          signal: controller.signal,
          onProgress: ({ done, total }) => {
            if (total > 0) {
              const percent = (100 * done) / total;
              progress.report({ increment: percent - reported, message: `${done}/${total}` });
              reported = percent;
            } else {
              progress.report({ message: `${done} records` });
            }
          },
        });
      },
    );
  } catch (error) {
    if (controller.signal.aborted) {
      void vscode.window.showInformationMessage(`Mini-o3: import cancelled; ${path.basename(outFile)} was not written.`);
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    output.appendLine(`import ${inPath} failed: ${message}`);
    void vscode.window.showErrorMessage(`Mini-o3: import failed: ${message}`);
    return;
  }

  const errors = result.findings.filter((f) => f.severity === 'error').length;
  const warnings = result.findings.length - errors;
  output.appendLine(`import ${FORMAT_LABELS[format]} ${inPath} -> ${result.outFile}: ${result.written} trajectories, ${errors} errors, ${warnings} warnings`);
  for (const f of result.findings) output.appendLine(`  ${f.severity}: ${formatFinding(f)}`);
  const summary = `Mini-o3: imported ${result.written} trajectories into ${path.basename(result.outFile)}` + (result.findings.length > 0 ? ` (${errors} errors, ${warnings} warnings)` : '');
  if (result.findings.length > 0) {
    void vscode.window.showWarningMessage(summary, 'Show Findings').then((choice) => choice && output.show(true));
  } else {
    void vscode.window.showInformationMessage(summary);
  }
  if (result.written > 0) await openTrajectories(result.outFile);
  else output.show(true);
}

async function openTrajectories(file: string): Promise<void> {
  await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), TRAJECTORY_EDITOR_VIEW_TYPE);
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(() => true, () => false);
}
