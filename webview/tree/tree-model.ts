import type { SlimTaskTreeView } from '../../src/protocol';
import { buildSearchTree, type SearchTreeNode } from '../../src/core/tree/search-tree';
import { layoutSearchTree } from '../../src/core/tree/layout';
import { statusColour } from '../format';
import { fitSize, type Extent } from './zoom-math';
import { THUMB_BOX, type NodeModel } from './node-view';

export const NODE_SPACING = 150;
export const LEVEL_HEIGHT = 175;

export interface TreeModel {
  taskId: string;
  nodes: NodeModel[];
  links: { source: string; target: string }[];
  extent: Extent;
}

/** The original image's size: from any trajectory that could read it. */
function originalSize(task: SlimTaskTreeView): Extent | null {
  return task.trajectories.find((t) => t.originalSize !== null)?.originalSize ?? null;
}

function imageSizeOf(node: SearchTreeNode, original: Extent | null): Extent | null {
  if (node.kind === 'root') return original ?? { width: 4, height: 3 };
  if (node.kind !== 'observation') return null;
  const r = node.rectInOriginal;
  return r ? { width: Math.max(1, r[2] - r[0]), height: Math.max(1, r[3] - r[1]) } : { width: 4, height: 3 };
}

/** Tree nodes with positions, image sizes and the boxes of their children (pure: no DOM). */
export function buildTreeModel(task: SlimTaskTreeView): TreeModel {
  const nodes = buildSearchTree(task.trajectories);
  const layout = layoutSearchTree(nodes, { nodeWidth: NODE_SPACING, levelHeight: LEVEL_HEIGHT });
  const original = originalSize(task);
  const children = new Map<string, SearchTreeNode[]>();
  for (const n of nodes) {
    if (n.parentId === null) continue;
    const list = children.get(n.parentId) ?? [];
    list.push(n);
    children.set(n.parentId, list);
  }
  const models = layout.nodes.map(({ node, x, y }): NodeModel => {
    const imageSize = imageSizeOf(node, original);
    return {
      node,
      x,
      y,
      imageSize,
      thumb: imageSize ? fitSize(imageSize, THUMB_BOX) : THUMB_BOX,
      childBoxes: (children.get(node.id) ?? [])
        .filter((c) => c.boxOnParent !== undefined)
        .map((c) => ({ childId: c.id, box: c.boxOnParent!, colour: statusColour(c.status) })),
    };
  });
  return { taskId: task.taskId, nodes: models, links: layout.links, extent: { width: layout.width, height: layout.height } };
}
