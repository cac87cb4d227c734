import { stratify, tree, type HierarchyPointNode } from 'd3-hierarchy';
import type { SearchTreeNode } from './search-tree';

export interface LaidOutNode {
  node: SearchTreeNode;
  /** Centre of the node in layout units (x across, y down by depth). */
  x: number;
  y: number;
  depth: number;
}

export interface TreeLayout {
  nodes: LaidOutNode[];
  links: { source: string; target: string }[];
  width: number;
  height: number;
}

export interface LayoutOptions {
  /** Horizontal distance between neighbouring leaves. */
  nodeWidth?: number;
  /** Vertical distance between depths. */
  levelHeight?: number;
}

/** Top-down tidy tree (Reingold–Tilford via d3-hierarchy); pure, so it is tested without a DOM. */
export function layoutSearchTree(nodes: readonly SearchTreeNode[], options: LayoutOptions = {}): TreeLayout {
  const nodeWidth = options.nodeWidth ?? 140;
  const levelHeight = options.levelHeight ?? 170;
  if (nodes.length === 0) return { nodes: [], links: [], width: 0, height: 0 };
  const root = stratify<SearchTreeNode>()
    .id((n) => n.id)
    .parentId((n) => n.parentId)([...nodes]);
  root.sort((a, b) => a.data.turn - b.data.turn || a.data.id.localeCompare(b.data.id));
  const laid: HierarchyPointNode<SearchTreeNode> = tree<SearchTreeNode>()
    .nodeSize([nodeWidth, levelHeight])
    .separation((a, b) => (a.parent === b.parent ? 1 : 1.25))(root);
  let minX = Infinity;
  let maxX = -Infinity;
  let maxY = 0;
  laid.each((n) => {
    minX = Math.min(minX, n.x);
    maxX = Math.max(maxX, n.x);
    maxY = Math.max(maxY, n.y);
  });
  const out: LaidOutNode[] = [];
  laid.each((n) => out.push({ node: n.data, x: n.x - minX + nodeWidth / 2, y: n.y + levelHeight / 2, depth: n.depth }));
  const links = laid.links().map((l) => ({ source: l.source.data.id, target: l.target.data.id }));
  return { nodes: out, links, width: maxX - minX + nodeWidth, height: maxY + levelHeight };
}
