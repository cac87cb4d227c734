import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { progressPercent, runConvertProcess, type ConvertRequest } from './convert-process';

const USE_MODEL = 'Use This Model';
const OPEN_FOLDER = 'Reveal in File Explorer';

interface Choice<T> extends vscode.QuickPickItem {
  value: T;
}

async function pickCheckpoint(): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title: 'Mini-o3: Hugging Face checkpoint folder (config.json + *.safetensors, e.g. Mini-o3-7B)',
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    openLabel: 'Convert This Checkpoint',
  });
  // The converter itself says what is wrong with a folder (no config.json, already ONNX, missing shards).
  return picked?.[0]?.fsPath;
}

async function pickOutput(hfDir: string): Promise<string | undefined> {
  const beside = path.join(path.dirname(hfDir), `${path.basename(hfDir)}-onnx`);
  const choice = await vscode.window.showQuickPick<Choice<string | null>>(
    [
      { label: `$(new-folder) ${path.basename(beside)}`, description: 'next to the checkpoint', detail: beside, value: beside },
      { label: '$(folder-opened) Choose a folder…', value: null },
    ],
    { title: 'Mini-o3: where to write the ONNX model', ignoreFocusOut: true },
  );
  if (!choice) return undefined;
  if (choice.value !== null) return choice.value;
  const picked = await vscode.window.showOpenDialog({ title: 'Mini-o3: output folder for the ONNX model', canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Write the Model Here' });
  return picked?.[0]?.fsPath;
}

/** A folder that already holds files: model files of the same name are replaced, so ask first. */
async function confirmOutput(outDir: string, hfDir: string): Promise<boolean> {
  if (path.resolve(outDir) === path.resolve(hfDir)) {
    void vscode.window.showErrorMessage('Mini-o3: the output folder is the checkpoint folder itself; choose a separate folder so nothing there is overwritten.');
    return false;
  }
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(outDir);
  } catch {
    return true; // It does not exist yet: the converter creates it.
  }
  if (entries.length === 0) return true;
  const choice = await vscode.window.showWarningMessage(
    `${outDir} is not empty. Model, config and tokenizer files of the same names are replaced; other files stay.`,
    { modal: true },
    'Convert Anyway',
  );
  return choice === 'Convert Anyway';
}

async function pickPrecision(): Promise<Pick<ConvertRequest, 'dtype' | 'int4'> | undefined> {
  const dtype = await vscode.window.showQuickPick<Choice<ConvertRequest['dtype']>>(
    [
      { label: 'fp32', description: 'full precision', detail: 'Runs on every execution provider; largest files (about 4 bytes a weight).', value: 'fp32' },
      { label: 'fp16', description: 'half precision', detail: 'Half the size; best on GPUs (cuda, webgpu).', value: 'fp16' },
    ],
    { title: 'Mini-o3: activations and weights', ignoreFocusOut: true },
  );
  if (!dtype) return undefined;
  const int4 = await vscode.window.showQuickPick<Choice<boolean>>(
    [
      { label: 'int4 weights', description: 'MatMulNBits, block 32', detail: 'About a quarter of the size with a small accuracy cost; fastest on CPU.', value: true },
      { label: `${dtype.value} weights`, description: 'no quantization', detail: 'Linear weights stay at the chosen precision.', value: false },
    ],
    { title: 'Mini-o3: quantize the Linear weights?', ignoreFocusOut: true },
  );
  if (!int4) return undefined;
  return { dtype: dtype.value, int4: int4.value };
}

const megabytes = (bytes: number) => (bytes / 2 ** 20).toFixed(0);

async function useModel(outDir: string): Promise<void> {
  const config = vscode.workspace.getConfiguration('miniO3');
  // User settings: a converted model belongs to this machine, and miniO3.modelFolder is a
  // restricted setting that an untrusted workspace's own value could not set anyway.
  await config.update('modelFolder', outDir, vscode.ConfigurationTarget.Global);
  await config.update('backend', 'onnx', vscode.ConfigurationTarget.Global);
  const overridden = ['modelFolder', 'backend'].filter((key) => {
    const seen = config.inspect(key);
    return seen?.workspaceValue !== undefined || seen?.workspaceFolderValue !== undefined;
  });
  const note = overridden.length > 0 ? ` This workspace sets ${overridden.map((k) => `miniO3.${k}`).join(' and ')} itself, which wins over your user settings.` : '';
  void vscode.window.showInformationMessage(`Mini-o3: visual search now runs ${outDir} locally (miniO3.backend: onnx).${note}`);
}

/**
 * `miniO3.convertModel`: a Hugging Face Qwen2.5-VL checkpoint (Mini-o3-7B) to ONNX for the onnx
 * backend, in a child process of the bundled CLI with a cancellable progress notification.
 * Allowed in untrusted workspaces: it reads and writes only folders the user picks here and
 * uses no workspace setting.
 */
export function registerConvertCommand(context: vscode.ExtensionContext, output: vscode.OutputChannel): void {
  const cliPath = vscode.Uri.joinPath(context.extensionUri, 'dist', 'cli.js').fsPath;
  context.subscriptions.push(vscode.commands.registerCommand('miniO3.convertModel', async () => {
    const hfDir = await pickCheckpoint();
    if (!hfDir) return;
    const outDir = await pickOutput(hfDir);
    if (!outDir || !(await confirmOutput(outDir, hfDir))) return;
    const precision = await pickPrecision();
    if (!precision) return;
    const request: ConvertRequest = { hfDir, outDir, ...precision };
    const variant = `${request.dtype}${request.int4 ? ' + int4' : ''}`;
    output.appendLine(`[convert] ${hfDir} → ${outDir} (${variant})`);

    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Mini-o3: converting ${path.basename(hfDir)} to ONNX (${variant})`, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        const onCancel = token.onCancellationRequested(() => abort.abort());
        let shown = 0;
        try {
          return await runConvertProcess({
            cliPath,
            request,
            signal: abort.signal,
            onProgress: (p) => {
              const percent = progressPercent(p);
              progress.report({ increment: Math.max(0, percent - shown), message: `${p.stage} · ${megabytes(p.done)} of ${megabytes(p.total)} MB read` });
              shown = Math.max(shown, percent);
            },
          });
        } finally {
          onCancel.dispose();
        }
      },
    );

    if (outcome.kind === 'cancelled') {
      output.appendLine('[convert] cancelled; the partly written model files were removed');
      void vscode.window.showInformationMessage('Mini-o3: conversion cancelled; the partly written model files were removed.');
      return;
    }
    if (outcome.kind === 'failed') {
      output.appendLine(`[convert] failed: ${outcome.message}`);
      void vscode.window.showErrorMessage(`Mini-o3: converting ${hfDir} failed: ${outcome.message}`);
      return;
    }
    for (const line of outcome.summary) output.appendLine(`[convert] ${line}`);
    for (const warning of outcome.warnings) output.appendLine(`[convert] warning: ${warning}`);
    const warned = outcome.warnings.length > 0 ? ` ${outcome.warnings.length} warning(s), see the Mini-o3 Studio output.` : '';
    const choice = await vscode.window.showInformationMessage(`Mini-o3: converted ${path.basename(hfDir)} into ${outDir} (${variant}).${warned}`, USE_MODEL, OPEN_FOLDER);
    if (choice === USE_MODEL) await useModel(outDir);
    else if (choice === OPEN_FOLDER) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(outDir));
  }));
}
