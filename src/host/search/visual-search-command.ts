import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import type { Task } from '../../core/trajectory/schema';
import { resolveImageRoots } from '../../core/view/image-roots';
import { defaultSearchFile, placeImage, planImagePlacement } from './image-placement';
import { SEARCH_BACKENDS, type SearchBackend } from './search-config';
import type { SearchServices } from './search-services';
import { questionProblem, searchTaskId, withImagePrefix } from './task-input';

const IMAGE_FILTER = { Images: ['jpg', 'jpeg', 'png', 'webp'] };

/**
 * Mini-o3: Run Visual Search on Image…: image (argument or dialog), question, optional expected
 * answer, backend; then one search streamed live into `<workspace>/mini-o3-runs/searches.traj.jsonl`.
 */
export async function runVisualSearchCommand(services: SearchServices, arg?: unknown): Promise<void> {
  if (!(await services.requireTrust())) return;
  const image = arg instanceof vscode.Uri ? arg : await pickImage();
  if (!image) return;
  if (image.scheme !== 'file') {
    void vscode.window.showErrorMessage(`Mini-o3: visual search reads images from disk; ${image.toString()} is not a local file.`);
    return;
  }
  const folder = services.workspaceFolder(image);
  if (!folder) {
    void vscode.window.showErrorMessage('Mini-o3: open a folder first: searches are saved in <folder>/mini-o3-runs/.');
    return;
  }
  let size;
  try {
    const { readImageSize } = await import('../../core/imaging');
    size = await readImageSize(image.fsPath);
  } catch (error) {
    void vscode.window.showErrorMessage(`Mini-o3: ${image.fsPath}: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }

  const question = await vscode.window.showInputBox({
    title: `Visual search on ${path.basename(image.fsPath)} (${size.width}×${size.height})`,
    prompt: 'The question about the image (Mini-o3\'s "<image>\\n" prefix is added when missing)',
    placeHolder: 'What is written on the small yellow sign?',
    ignoreFocusOut: true,
    validateInput: questionProblem,
  });
  if (question === undefined) return;
  const answer = await vscode.window.showInputBox({
    title: 'Expected answer (optional)',
    prompt: 'Leave empty when unknown; with an answer the outcome is checked by exact match',
    ignoreFocusOut: true,
  });
  if (answer === undefined) return;
  const backend = await pickBackend(services, folder.uri);
  if (!backend) return;
  const config = services.config(folder.uri, backend);
  if (!config) return;

  const outFile = defaultSearchFile(folder.uri.fsPath);
  const viewerRoots = resolveImageRoots(vscode.workspace.getConfiguration('miniO3', folder.uri).get<unknown>('imageRoots', []), {
    workspaceFolders: [folder.uri.fsPath], documentFolder: path.dirname(outFile), home: os.homedir(),
  });
  const plan = planImagePlacement(image.fsPath, outFile, folder.uri.fsPath, viewerRoots);
  let relative: string;
  try {
    relative = await placeImage(image.fsPath, outFile, plan);
  } catch (error) {
    void vscode.window.showErrorMessage(`Mini-o3: could not copy ${image.fsPath} into ${plan.kind === 'copy' ? plan.folder : ''}: ${String(error)}`);
    return;
  }
  const prefixed = withImagePrefix(question);
  const task: Task = {
    id: searchTaskId(image.fsPath, prefixed),
    question: prefixed,
    images: [relative],
    ...(answer.trim() !== '' ? { answer: answer.trim() } : {}),
    image_size: { width: size.width, height: size.height },
  };
  const policy = await services.policy(config);
  if (!policy) return;
  try {
    await services.runner.run({
      file: vscode.Uri.file(outFile),
      title: `Mini-o3: searching ${path.basename(image.fsPath)}`,
      jobs: [{ task, baseDir: path.dirname(outFile), settings: config.settings, imageRoots: viewerRoots }],
      policy,
      concurrency: 1,
      ...(config.backend === 'openai' ? { serverUrl: config.serverUrl } : {}),
    });
  } finally {
    await policy.dispose?.();
  }
}

async function pickImage(): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: IMAGE_FILTER, title: 'Choose the image to search' });
  return picked?.[0];
}

/** The backend, the setting's first (Enter keeps it). */
export async function pickBackend(services: SearchServices, scope: vscode.Uri | undefined): Promise<SearchBackend | undefined> {
  const current = vscode.workspace.getConfiguration('miniO3', scope).get<string>('backend', 'openai');
  const ordered = [...SEARCH_BACKENDS].sort((a, b) => (a === current ? -1 : b === current ? 1 : 0));
  const items = ordered.map((backend) => ({
    label: backend,
    backend,
    description: backend === 'openai'
      ? `OpenAI-compatible server ${vscode.workspace.getConfiguration('miniO3', scope).get<string>('serverUrl', '')}`
      : `local model ${vscode.workspace.getConfiguration('miniO3', scope).get<string>('modelFolder', '') || '(miniO3.modelFolder is empty)'}`,
    detail: backend === current ? 'from the miniO3.backend setting' : undefined,
  }));
  const picked = await vscode.window.showQuickPick(items, { title: 'Where the model runs', ignoreFocusOut: true });
  services.output.appendLine(picked ? `backend: ${picked.backend}` : 'backend: not chosen');
  return picked?.backend;
}
