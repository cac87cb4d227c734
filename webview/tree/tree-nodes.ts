import { NodeView, nodeExtent, type NodeModel } from './node-view';
import type { Rect } from './zoom-math';

export interface PathState {
  onPath: ReadonlySet<string>;
  currentId: string | null;
  focusedId: string | null;
}

/** Whether a node's group (frame, turn label above, caption below) reaches into `rect`. */
function reaches(m: NodeModel, rect: Rect): boolean {
  const { width, height } = nodeExtent(m);
  return m.x + width / 2 >= rect.x0 && m.x - width / 2 <= rect.x1 && m.y + height / 2 + 40 >= rect.y0 && m.y - height / 2 - 20 <= rect.y1;
}

/**
 * The node groups in the DOM: the selected path's always, the others only while they reach into
 * the drawn region, created when they come into it and removed when they leave it, so that the
 * DOM (and each frame's style, layout and paint) grows with what shows, not with the tree.
 */
export class TreeNodes {
  private readonly views = new Map<string, NodeView>();
  private nodes: readonly NodeModel[] = [];
  private byId = new Map<string, NodeModel>();
  private path: PathState = { onPath: new Set(), currentId: null, focusedId: null };
  /** Off-path nodes reaching into this region get groups; null: none do (far out, or nothing laid out). */
  private region: Rect | null = null;

  constructor(
    private readonly dimmedLayer: SVGGElement,
    private readonly pathLayer: SVGGElement,
    private readonly onCreated: (view: NodeView, model: NodeModel) => void,
  ) {}

  get all(): readonly NodeModel[] {
    return this.nodes;
  }

  model(id: string): NodeModel | undefined {
    return this.byId.get(id);
  }

  view(id: string): NodeView | undefined {
    return this.views.get(id);
  }

  setNodes(nodes: readonly NodeModel[]): void {
    this.nodes = nodes;
    this.byId = new Map(nodes.map((m) => [m.node.id, m]));
    for (const [id, view] of this.views) {
      const m = this.byId.get(id);
      if (m) view.update(m);
      else this.drop(id, view);
    }
    this.sync();
  }

  setPath(path: PathState): void {
    this.path = path;
    for (const view of this.views.values()) this.applyPath(view);
    this.sync();
  }

  setRegion(region: Rect | null): void {
    this.region = region;
    this.sync();
  }

  private wanted(m: NodeModel): boolean {
    return this.path.onPath.has(m.node.id) || (this.region !== null && reaches(m, this.region));
  }

  private sync(): void {
    for (const m of this.nodes) {
      const id = m.node.id;
      const view = this.views.get(id);
      const want = this.wanted(m);
      if (want && !view) this.create(m);
      else if (!want && view) this.drop(id, view);
    }
  }

  private create(m: NodeModel): void {
    const view = new NodeView(m);
    this.views.set(m.node.id, view);
    this.applyPath(view);
    this.onCreated(view, m);
  }

  private drop(id: string, view: NodeView): void {
    view.g.remove();
    this.views.delete(id);
  }

  private applyPath(view: NodeView): void {
    const { onPath, currentId, focusedId } = this.path;
    const id = view.node.id;
    view.setPathState({ onPath: onPath.has(id), current: id === currentId, focused: id === focusedId });
    view.highlightChildBoxes(onPath);
    const layer = onPath.has(id) ? this.pathLayer : this.dimmedLayer;
    if (view.g.parentNode !== layer) layer.append(view.g);
  }
}
