import type { Box4, StatusLabel } from '../trajectory/schema';

/**
 * The search tree of one task. The root is the original image; each observation hangs under
 * the image it was cropped from; a turn that ended the trajectory (answer, void, over-turn) or
 * a failed call is a leaf under the image the model was looking at. Rollouts of the task branch
 * from the root; a fork shares its parent's nodes up to the turn where it branched.
 */

/** What the tree needs to know about one trajectory (a subset of the protocol's TrajectoryView). */
export interface TreeTrajectory {
  line: number;
  id: string;
  status: StatusLabel | null;
  correct: boolean | null;
  fork: { trajectoryId: string; turn: number } | null;
  turns: TreeTurn[];
}

export interface TreeTurn {
  index: number;
  action: 'crop' | 'error' | 'answer' | 'over_turn' | 'void';
  status: StatusLabel;
  think: string | null;
  answer: string | null;
  sourceIndex?: number;
  pixelBox?: Box4;
  boxInOriginal?: Box4;
  observationIndex?: number;
}

export type TreeNodeKind = 'root' | 'observation' | 'error' | 'answer' | 'void' | 'over_turn';

export interface SearchTreeNode {
  id: string;
  parentId: string | null;
  kind: TreeNodeKind;
  /** Trajectories (by line) whose path passes through this node, the first is the one that made it. */
  lines: number[];
  /** The turn that made the node (-1 for the root). */
  turn: number;
  observationIndex?: number;
  /** The crop box drawn on the parent image, in the parent image's pixels. */
  boxOnParent?: Box4;
  rectInOriginal?: Box4;
  status: StatusLabel | null;
  correct?: boolean | null;
  /** The first line of the turn's reasoning, for the overview. */
  caption: string;
  answer?: string | null;
}

export const ROOT_ID = 'root';

export function buildSearchTree(trajectories: readonly TreeTrajectory[]): SearchTreeNode[] {
  const root: SearchTreeNode = { id: ROOT_ID, parentId: null, kind: 'root', lines: [], turn: -1, status: null, caption: '' };
  const nodes: SearchTreeNode[] = [root];
  const byId = new Map<string, SearchTreeNode>([[ROOT_ID, root]]);
  /** trajectory id -> node id per turn, for forks to share. */
  const turnNodes = new Map<string, (string | null)[]>();
  /** trajectory id -> node id per observation index (0 = root). */
  const imageNodes = new Map<string, string[]>();

  const ordered = orderParentsFirst(trajectories);
  for (const t of ordered) {
    root.lines.push(t.line);
    const perTurn: (string | null)[] = [];
    const images: string[] = [ROOT_ID];
    const parent = t.fork ? ordered.find((p) => p.id === t.fork!.trajectoryId) : undefined;
    const sharedTurns = parent ? Math.min(t.fork!.turn, parent.turns.length) : 0;
    let looking = ROOT_ID;

    for (const turn of t.turns) {
      if (parent && turn.index < sharedTurns) {
        const sharedId = turnNodes.get(parent.id)?.[turn.index] ?? null;
        perTurn.push(sharedId);
        if (sharedId) {
          byId.get(sharedId)!.lines.push(t.line);
          if (turn.action === 'crop') {
            images.push(sharedId);
            looking = sharedId;
          }
        }
        continue;
      }
      const id = `${t.id}#${turn.index}`;
      const parentId =
        turn.action === 'crop' || turn.action === 'error'
          ? turn.sourceIndex !== undefined && images[turn.sourceIndex] !== undefined
            ? images[turn.sourceIndex]!
            : looking
          : looking;
      const node: SearchTreeNode = {
        id,
        parentId,
        kind: turn.action === 'crop' ? 'observation' : turn.action,
        lines: [t.line],
        turn: turn.index,
        status: turn.status,
        caption: firstLine(turn.think),
      };
      if (turn.action === 'crop') {
        node.observationIndex = turn.observationIndex;
        node.boxOnParent = turn.pixelBox;
        node.rectInOriginal = turn.boxInOriginal;
        images.push(id);
        looking = id;
      }
      if (turn.action === 'answer' || turn.action === 'void') {
        node.answer = turn.answer;
        node.correct = t.correct;
      }
      nodes.push(node);
      byId.set(id, node);
      perTurn.push(id);
    }
    turnNodes.set(t.id, perTurn);
    imageNodes.set(t.id, images);
  }
  return nodes;
}

/** Forks after their parents, otherwise file order, so shared nodes exist before they are reused. */
function orderParentsFirst(trajectories: readonly TreeTrajectory[]): TreeTrajectory[] {
  const ids = new Set(trajectories.map((t) => t.id));
  const done = new Set<string>();
  const out: TreeTrajectory[] = [];
  const visit = (t: TreeTrajectory, depth: number) => {
    if (done.has(t.id) || depth > trajectories.length) return;
    if (t.fork && ids.has(t.fork.trajectoryId) && !done.has(t.fork.trajectoryId)) {
      const parent = trajectories.find((p) => p.id === t.fork!.trajectoryId);
      if (parent) visit(parent, depth + 1);
    }
    done.add(t.id);
    out.push(t);
  };
  for (const t of trajectories) visit(t, 0);
  return out;
}

function firstLine(text: string | null): string {
  if (!text) return '';
  const line = text.trim().split(/\n|(?<=[.!?])\s/)[0] ?? '';
  return line.length > 140 ? `${line.slice(0, 139)}…` : line;
}
