import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HostRequests, RowSummary, TrajectoryView } from '../../protocol';
import { applyEdit, EditError, type EditAuthor, type EditOp } from '../../core/edit';
import type { Trajectory } from '../../core/trajectory/schema';
import { gitUserNameIn, osUserName, resolveAnnotatorName } from '../annotator';
import { Disposable } from './disposable';
import type { ImageService } from './image-service';
import type { TrajectoryDocument } from './trajectory-document';

type Size = { width: number; height: number };

/** Ops that touch only the review: they need no image geometry. */
const REVIEW_ONLY = new Set<EditOp['kind']>(['setReview', 'toggleLabel', 'setNotes']);
/** Stands in for an unknown original size where the op never looks at geometry. */
const NO_GEOMETRY: Size = { width: 1, height: 1 };

/**
 * From the webview's edit requests to VS Code's document model (hexeditor's publishEdit):
 * resolves who edits, runs the pure edit model on the trajectory shown (edits included),
 * and commits the result to the document, whose onDidEdit reaches VS Code's undo stack.
 */
export class EditBridge extends Disposable {
  private readonly names = new Map<string, Promise<string>>();

  constructor(private readonly images: ImageService) {
    super();
    this._register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('miniO3.annotatorName')) this.names.clear();
    }));
  }

  /** The annotator for edits of `uri`, stamped now. */
  async author(uri: vscode.Uri): Promise<EditAuthor> {
    const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(uri.fsPath);
    let name = this.names.get(folder);
    if (!name) {
      const setting = vscode.workspace.getConfiguration('miniO3', uri).get<unknown>('annotatorName');
      name = resolveAnnotatorName({ setting, gitUserName: () => gitUserNameIn(folder), osUserName }).then((r) => r.name);
      this.names.set(folder, name);
    }
    return { name: await name, at: new Date().toISOString() };
  }

  async apply(document: TrajectoryDocument, params: HostRequests['applyEdit']['params']): Promise<{ view: TrajectoryView; summary: RowSummary }> {
    const { line, op } = params;
    const model = document.model;
    const target = await model.editTarget(line);
    const author = await this.author(document.uri);
    const originalSize = sizeFor(target, op, model.displayName, line);
    const result = runEdit(target.trajectory, op, author, originalSize);
    const { summary } = await document.commitEdit({
      line,
      label: typeof params.label === 'string' && params.label.trim() !== '' ? params.label : result.label,
      op,
      inverse: result.inverse,
      author,
      originalSize,
      before: target.trajectory,
      after: result.trajectory,
    });
    return { view: await document.model.trajectoryView(line), summary };
  }

  /** The crop the model would see if the turn's box were `bbox` on `source`; nothing changes. */
  async previewCrop(document: TrajectoryDocument, params: HostRequests['previewCrop']['params']): Promise<{ path: string | null; width: number; height: number; error?: string }> {
    const { line, turn, bbox, source } = params;
    const model = document.model;
    const target = await model.editTarget(line);
    const op: EditOp = { kind: 'setBox', turn, bbox, source };
    const author = { name: 'preview', at: new Date(0).toISOString() };
    const { trajectory } = runEdit(target.trajectory, op, author, sizeFor(target, op, model.displayName, line));
    const observation = await model.observationOfTurn(trajectory, line, turn);
    if (observation === undefined) {
      return { path: null, width: 0, height: 0, error: `${model.displayName}:${line}: turn ${turn}: this box makes no crop (empty, inverted or too thin after Mini-o3's clamping)` };
    }
    return model.hypotheticalImage(trajectory, { line, kind: 'model', observation }, await this.images.getRenderer());
  }
}

function runEdit(trajectory: Trajectory, op: EditOp, author: EditAuthor, originalSize: Size): ReturnType<typeof applyEdit> {
  try {
    return applyEdit(trajectory, op, { author, originalSize });
  } catch (error) {
    if (error instanceof EditError || error instanceof RangeError) throw new Error(`cannot ${describe(op)}: ${error.message}`);
    throw error;
  }
}

function sizeFor(target: { trajectory: Trajectory; originalSize: Size | null }, op: EditOp, displayName: string, line: number): Size {
  if (target.originalSize) return target.originalSize;
  const recorded = target.trajectory.task.image_size;
  if (recorded && recorded.width > 0 && recorded.height > 0) return { width: recorded.width, height: recorded.height };
  if (REVIEW_ONLY.has(op.kind)) return NO_GEOMETRY;
  throw new Error(`${displayName}:${line}: task.images.0: the original image's size is unknown (missing file?), so a turn edit cannot be checked against Mini-o3's crop rules`);
}

function describe(op: EditOp): string {
  return 'turn' in op ? `${op.kind} (turn ${op.turn})` : op.kind;
}
