import type { SlimTaskTreeView, TaskTreeView, TrajectoryView, TreeTrajectoryView } from '../../protocol';

/** The reasoning's first line: all a tree node's caption shows, so the rest need not travel. */
function firstLineOf(text: string | null): string | null {
  if (text === null) return null;
  return text.trim().split('\n')[0] ?? '';
}

/** The fields of a trajectory the search tree draws (see TreeTrajectory in core/tree/search-tree). */
export function treeTrajectoryOf(view: TrajectoryView): TreeTrajectoryView {
  return {
    line: view.line,
    id: view.id,
    status: view.status,
    correct: view.correct,
    fork: view.fork,
    turns: view.turns.map((t) => ({
      index: t.index,
      action: t.action,
      status: t.status,
      think: firstLineOf(t.think),
      answer: t.answer,
      ...(t.sourceIndex !== undefined && { sourceIndex: t.sourceIndex }),
      ...(t.pixelBox !== undefined && { pixelBox: t.pixelBox }),
      ...(t.boxInOriginal !== undefined && { boxInOriginal: t.boxInOriginal }),
      ...(t.observationIndex !== undefined && { observationIndex: t.observationIndex }),
    })),
    originalSize: view.observations.find((o) => o.index === 0)?.size ?? null,
  };
}

export function slimTaskTreeOf(tree: TaskTreeView): SlimTaskTreeView {
  return { taskId: tree.taskId, trajectories: tree.trajectories.map(treeTrajectoryOf) };
}
