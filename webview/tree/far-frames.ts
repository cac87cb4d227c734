import { s } from '../dom';
import { statusColour } from '../format';
import { nodeExtent, THUMB_BOX, type NodeModel } from './node-view';

/** Below this scale a thumbnail would be under 24 screen pixels wide: nodes are drawn as bare frames. */
export const FAR_SCALE = 24 / THUMB_BOX.width;

function frameClass(m: NodeModel): string {
  const colour = m.node.kind === 'root' ? 'root' : statusColour(m.node.status);
  return `far-frame colour-${colour}${m.imageSize ? '' : ' leaf'}`;
}

/**
 * Far out, one `<path>` per frame style stands in for every node off the selected path: a few
 * elements to paint per frame instead of a group (frame, picture, texts) per node.
 */
export class FarFrames {
  readonly element: SVGGElement;

  constructor() {
    this.element = s('g', { className: 'tree-far-frames' });
  }

  draw(nodes: readonly NodeModel[]): void {
    const byClass = new Map<string, string[]>();
    for (const m of nodes) {
      const { width, height } = nodeExtent(m);
      const className = frameClass(m);
      const parts = byClass.get(className) ?? [];
      parts.push(`M${m.x - width / 2},${m.y - height / 2}h${width}v${height}h${-width}z`);
      byClass.set(className, parts);
    }
    this.element.replaceChildren(...[...byClass].map(([className, parts]) => s('path', { className, attrs: { d: parts.join('') } })));
  }
}

/** The node whose frame holds `point` (layout units), for clicks on the far frames. */
export function nodeAt(nodes: readonly NodeModel[], point: { x: number; y: number }): NodeModel | undefined {
  return nodes.find((m) => {
    const { width, height } = nodeExtent(m);
    return Math.abs(point.x - m.x) <= width / 2 && Math.abs(point.y - m.y) <= height / 2;
  });
}
