import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExportFormat, ExportReport } from '../core/export';
import type { TrajectoryEditorProvider } from './editor/trajectory-editor-provider';

const FORMATS: { label: string; format: ExportFormat; detail: string }[] = [
  { label: 'LLaMA-Factory', format: 'llamafactory', detail: 'ShareGPT JSON + dataset_info.json, as Mini-o3 trained its cold start' },
  { label: 'ms-swift', format: 'swift', detail: 'messages + images JSONL' },
  { label: 'OpenAI', format: 'openai', detail: 'chat-format JSONL with image parts' },
];
const SAVE_AND_EXPORT = 'Save and Export';
const EXPORT_SAVED = 'Export the Saved File';

/**
 * `miniO3.exportAccepted`: the accepted trajectories of the active trajectory file (or a
 * chosen one) to an SFT dataset folder. Exports what is on disk, so a dirty document is saved
 * first (or the user exports the saved file knowingly).
 */
export function registerExportCommand(context: vscode.ExtensionContext, output: vscode.OutputChannel, editors: TrajectoryEditorProvider): void {
  context.subscriptions.push(vscode.commands.registerCommand('miniO3.exportAccepted', async (uri?: vscode.Uri) => {
    const source = uri instanceof vscode.Uri ? uri : editors.activeSession?.document.uri ?? (await pickFile());
    if (!source) return;
    const document = editors.documentOf(source);
    if (document?.isDirty) {
      const choice = await vscode.window.showWarningMessage(`${path.basename(source.fsPath)} has unsaved edits. The export reads the file on disk.`, { modal: true }, SAVE_AND_EXPORT, EXPORT_SAVED);
      if (!choice) return;
      if (choice === SAVE_AND_EXPORT) {
        await saveDocument(source);
        if (document.isDirty) return;
      }
    }
    const format = await vscode.window.showQuickPick(FORMATS, { title: 'Mini-o3: export accepted trajectories as', placeHolder: 'Training data format' });
    if (!format) return;
    const defaultFolder = vscode.Uri.file(path.join(path.dirname(source.fsPath), `${path.basename(source.fsPath, '.traj.jsonl')}-${format.format}`));
    const folder = await vscode.window.showSaveDialog({ defaultUri: defaultFolder, title: 'Output folder (must not exist, or be empty)', saveLabel: 'Export Here' });
    if (!folder) return;
    let report: ExportReport;
    try {
      report = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Mini-o3: exporting ${path.basename(source.fsPath)} (${format.label})`, cancellable: true },
        async (progress, token) => {
          const { exportDataset } = await import('../core/export');
          const controller = new AbortController();
          token.onCancellationRequested(() => controller.abort());
          let reported = 0;
          return exportDataset({
            format: format.format,
            inFile: source.fsPath,
            outDir: folder.fsPath,
            status: 'accepted',
            imageRoots: document ? [...document.roots] : undefined,
            signal: controller.signal,
            onProgress: (p) => {
              const percent = p.lines > 0 ? (100 * p.linesDone) / p.lines : 0;
              progress.report({ increment: percent - reported, message: `${p.linesDone}/${p.lines} lines, ${p.exported} exported, ${p.refused} refused` });
              reported = percent;
            },
          });
        },
      );
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      output.appendLine(`export ${source.fsPath} -> ${folder.fsPath}: ${reason}`);
      if (error instanceof Error && error.name === 'AbortError') void vscode.window.showInformationMessage('Mini-o3: export cancelled; nothing was written.');
      else void vscode.window.showErrorMessage(`Mini-o3: export failed: ${reason}`);
      return;
    }
    output.appendLine(exportSummary(source.fsPath, format.label, report));
    const summary = `Mini-o3: exported ${report.exported} trajectories (${format.label}); ${report.refused.length} refused${report.broken.length > 0 ? `, ${report.broken.length} broken lines` : ''}.`;
    const buttons = report.refused.length > 0 ? ['Reveal Folder', 'Show Refusals'] : ['Reveal Folder'];
    const choice = await (report.refused.length > 0 ? vscode.window.showWarningMessage(summary, ...buttons) : vscode.window.showInformationMessage(summary, ...buttons));
    if (choice === 'Reveal Folder') await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(report.outDir));
    if (choice === 'Show Refusals') output.show(true);
  }));
}

/** The export's report for the output channel: counts, then each refusal with its line and reason. */
export function exportSummary(file: string, formatLabel: string, report: ExportReport): string {
  const lines = [`export ${file} (${formatLabel}) -> ${report.outDir}: ${report.exported} exported, ${report.refused.length} refused, ${report.warnings.length} warnings`];
  for (const refusal of report.refused) lines.push(`  refused ${path.basename(file)}:${refusal.line} ${refusal.id}: ${refusal.code}: ${refusal.reason}`);
  for (const broken of report.broken) lines.push(`  broken ${broken.message}`);
  for (const warning of report.warnings) lines.push(`  warning ${path.basename(file)}:${warning.line} ${warning.id}: ${warning.message}`);
  return lines.join('\n');
}

/** A custom document saves through its editor: focus it, then save (a failed save says why itself). */
async function saveDocument(uri: vscode.Uri): Promise<void> {
  await vscode.commands.executeCommand('vscode.openWith', uri, 'miniO3.trajectoryEditor');
  await vscode.commands.executeCommand('workbench.action.files.save');
}

async function pickFile(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Mini-o3 trajectories': ['jsonl'] }, title: 'Trajectory file to export' });
  return picked?.[0];
}
