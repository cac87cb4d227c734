import { select, type Selection } from 'd3-selection';
import { zoom, zoomIdentity, zoomTransform, type D3ZoomEvent, type ZoomBehavior } from 'd3-zoom';
import { linkVertical } from 'd3-shape';
import type { ImageRef, SlimTaskTreeView } from '../../src/protocol';
import { h, iconButton, s } from '../dom';
import type { ZoomState } from '../persisted-state';
import type { WebviewRpc } from '../rpc-client';
import { nodeExtent, THUMB_BOX, type NodeModel, type NodeView } from './node-view';
import { FarFrames, FAR_SCALE, nodeAt } from './far-frames';
import { ThumbnailLoader, type ThumbnailRequest } from './thumbnails';
import { buildTreeModel, type TreeModel } from './tree-model';
import { TreeNodes } from './tree-nodes';
import { centreOn, contains, detailLevel, fitTransform, HIGH_RES_SCALE, MAX_SCALE, MIN_SCALE, visibleRect, type Extent } from './zoom-math';

const THUMB_MAX_SIDE = 240;
/** Below this many screen pixels a thumbnail shows nothing: far out, nodes are status-coloured frames only. */
const MIN_THUMB_PIXELS = 24;
const HIGH_RES_MAX_SIDE = 720;
const FOCUS_SCALE = 1.6;
/** Nodes this far outside the viewport (layout units, before scaling) get groups, so a pan shows no gaps before the next pass. */
const CULL_MARGIN = 160;

/** The picture a node shows (`key` names it, whatever its size), null for leaves. */
function pictureOf(m: NodeModel): { key: string; line: number; observation: number } | null {
  const line = m.node.lines[0];
  if (line === undefined || !m.imageSize) return null;
  const observation = m.node.kind === 'root' ? 0 : m.node.observationIndex;
  if (observation === undefined) return null;
  const rect = m.node.rectInOriginal?.join(',') ?? 'original';
  return { key: `${line}:${observation}:${rect}`, line, observation };
}

export interface TreeViewEvents {
  selectNode(line: number, turn: number): void;
  zoom(taskId: string, state: ZoomState): void;
}

/** The task's search tree: d3-zoom pan/zoom over an SVG, semantic zoom by scale. */
export class TreeView {
  readonly element: HTMLElement;
  private readonly svg: SVGSVGElement;
  private readonly viewport: SVGGElement;
  private readonly linkLayer: SVGGElement;
  private readonly nodeLayer: SVGGElement;
  /** Nodes off the selected path, faded as one group (an opacity per node costs an offscreen layer each, every frame). */
  private readonly dimmedLayer: SVGGElement;
  /** The selected path's nodes, painted above the others. */
  private readonly pathLayer: SVGGElement;
  /** Far out, the off-path nodes as a few paths instead of `dimmedLayer`; redrawn when `farDirty` and shown. */
  private readonly farFrames = new FarFrames();
  private far = false;
  private farDirty = true;
  private readonly messageEl: HTMLElement;
  private readonly levelEl: HTMLElement;
  private readonly zoomBehavior: ZoomBehavior<SVGSVGElement, unknown>;
  private readonly svgSelection: Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly thumbnails: ThumbnailLoader;
  private readonly nodes: TreeNodes;
  private onPath = new Set<string>();
  /** Each link's path segment, by target node id; drawn as two paths (all links, the selected path's). */
  private readonly linkSegments = new Map<string, string>();
  private readonly allLinks: SVGPathElement;
  private readonly pathLinks: SVGPathElement;
  private viewportSize: Extent = { width: 0, height: 0 };
  private level: string | null = null;
  private model: TreeModel | null = null;
  private byPicture: Map<string, NodeModel[]> | null = null;
  private selection: { line: number | null; turn: number | null } = { line: null, turn: null };
  private focusedNodeId: string | null = null;
  private beforeFocus: ZoomState | null = null;
  private pendingZoom: ZoomState | 'fit' | null = null;
  private frame = 0;
  /** A zoom event came since the last pass: the pass reports the new zoom to be saved. */
  private zoomMoved = false;
  private applyingProgrammaticZoom = false;

  constructor(rpc: WebviewRpc, private readonly events: TreeViewEvents) {
    this.allLinks = s('path', { className: 'tree-link' });
    this.pathLinks = s('path', { className: 'tree-link on-path' });
    this.linkLayer = s('g', { className: 'tree-links' }, this.allLinks, this.pathLinks);
    this.dimmedLayer = s('g', { className: 'tree-nodes-dimmed' });
    this.pathLayer = s('g', { className: 'tree-nodes-path' });
    const farLayer = s('g', { className: 'tree-nodes-dimmed' }, this.farFrames.element);
    this.nodeLayer = s('g', { className: 'tree-nodes' }, this.dimmedLayer, farLayer, this.pathLayer);
    this.viewport = s('g', { className: 'tree-viewport' }, this.linkLayer, this.nodeLayer);
    this.svg = s('svg', { className: 'tree-svg zoom-overview', attrs: { role: 'img', 'aria-label': 'Search tree', 'data-zoom-level': 'overview', tabindex: -1 } }, this.viewport);
    this.messageEl = h('div', { className: 'pane-message', text: 'Select a trajectory to see its task’s search tree.' });
    this.levelEl = h('span', { className: 'zoom-level', attrs: { 'aria-live': 'polite' } });
    const toolbar = h(
      'div',
      { className: 'toolbar tree-toolbar' },
      iconButton('zoom-in', 'Zoom in (+)', () => this.zoomBy(1.25), 'zoom-in'),
      iconButton('zoom-out', 'Zoom out (-)', () => this.zoomBy(0.8), 'zoom-out'),
      iconButton('screen-normal', 'Fit the tree (f)', () => this.fit(), 'zoom-fit'),
      iconButton('target', 'Focus the selected turn (Enter)', () => this.focusSelected(), 'zoom-focus'),
      this.levelEl,
    );
    this.element = h('div', { className: 'tree-pane' }, toolbar, h('div', { className: 'tree-canvas' }, this.svg, this.messageEl));

    this.nodes = new TreeNodes(this.dimmedLayer, this.pathLayer, (view, m) => this.showCachedThumbnail(view, m));
    this.thumbnails = new ThumbnailLoader(rpc, (key, ref) => this.onThumbnail(key, ref));
    this.zoomBehavior = zoom<SVGSVGElement, unknown>()
      .scaleExtent([MIN_SCALE, MAX_SCALE])
      .duration(matchMedia('(prefers-reduced-motion: reduce)').matches ? 0 : 250)
      // d3's default extent reads the SVG's size, forcing a layout on every zoom event.
      .extent(() => [[0, 0], [this.viewportSize.width || 1, this.viewportSize.height || 1]])
      .on('zoom', (event: D3ZoomEvent<SVGSVGElement, unknown>) => this.onZoom(event))
      .on('end', () => this.runVisibilityPass());
    this.svgSelection = select(this.svg);
    this.svgSelection.call(this.zoomBehavior);
    this.svg.addEventListener('click', (event) => this.onClick(event));
    new ResizeObserver((entries) => {
      const box = entries.at(-1)?.contentRect;
      if (box) this.viewportSize = { width: box.width, height: box.height };
      this.onResize();
    }).observe(this.svg);
  }

  get taskId(): string | null {
    return this.model?.taskId ?? null;
  }

  get transform(): ZoomState {
    const t = zoomTransform(this.svg);
    return { k: t.k, x: t.x, y: t.y };
  }

  /** Shows a task's tree; the same task again updates in place and keeps the zoom. */
  show(task: SlimTaskTreeView, saved: ZoomState | null): void {
    const sameTask = this.model?.taskId === task.taskId;
    this.model = buildTreeModel(task);
    this.byPicture = null;
    this.messageEl.hidden = true;
    this.syncNodes(this.model);
    if (!sameTask) {
      this.focusedNodeId = null;
      this.beforeFocus = null;
      this.setTransform(saved ?? 'fit');
    }
    this.applySelection();
    this.scheduleVisibility();
  }

  showMessage(message: string): void {
    this.model = null;
    this.byPicture = null;
    this.syncNodes(null);
    this.messageEl.hidden = false;
    this.messageEl.textContent = message;
  }

  setSelection(line: number | null, turn: number | null): void {
    this.selection = { line, turn };
    this.applySelection();
  }

  zoomBy(factor: number): void {
    this.zoomBehavior.scaleBy(this.svgSelection, factor);
  }

  fit(): void {
    this.setTransform('fit');
  }

  /** Zooms to the selected turn's node (Enter); Escape (`clearFocus`) goes back. */
  focusSelected(): boolean {
    const current = this.currentNode();
    if (!current) return false;
    if (this.focusedNodeId === null) this.beforeFocus = this.transform;
    this.focusedNodeId = current.node.id;
    this.setTransform(centreOn(current, Math.max(this.transform.k, FOCUS_SCALE), this.size()));
    this.applySelection();
    return true;
  }

  clearFocus(): boolean {
    if (this.focusedNodeId === null) return false;
    this.focusedNodeId = null;
    if (this.beforeFocus) this.setTransform(this.beforeFocus);
    this.beforeFocus = null;
    this.applySelection();
    return true;
  }

  /** From the ResizeObserver: reading the layout here would force a layout in every zoom frame. */
  private size(): Extent {
    return this.viewportSize;
  }

  private setTransform(target: ZoomState | 'fit'): void {
    const size = this.size();
    if (!this.model || size.width === 0 || size.height === 0) {
      this.pendingZoom = target;
      return;
    }
    this.pendingZoom = null;
    const t = target === 'fit' ? fitTransform(this.model.extent, size) : target;
    this.applyingProgrammaticZoom = true;
    this.zoomBehavior.transform(this.svgSelection, zoomIdentity.translate(t.x, t.y).scale(t.k));
    this.applyingProgrammaticZoom = false;
  }

  private onResize(): void {
    if (this.pendingZoom) this.setTransform(this.pendingZoom);
    this.scheduleVisibility();
  }

  /** Per zoom event only the transform (and, when it changes, the detail level): the rest waits for the next frame's pass. */
  private onZoom(event: D3ZoomEvent<SVGSVGElement, unknown>): void {
    const t = event.transform;
    this.viewport.setAttribute('transform', t.toString());
    const level = detailLevel(t.k);
    if (level !== this.level) {
      this.level = level;
      this.svg.classList.toggle('zoom-detail', level === 'detail');
      this.svg.classList.toggle('zoom-overview', level === 'overview');
      this.svg.setAttribute('data-zoom-level', level);
    }
    if (!this.applyingProgrammaticZoom && this.focusedNodeId !== null && event.sourceEvent) {
      // The user moved away from the focused node by hand: Escape has nothing to undo.
      this.focusedNodeId = null;
      this.beforeFocus = null;
      this.applySelection();
    }
    this.zoomMoved = true;
    this.scheduleVisibility();
  }

  /** Shows the off-path nodes as groups (near) or as the far frames (far). */
  private setFar(far: boolean): void {
    if (far && this.farDirty) this.drawFarFrames();
    if (far === this.far) return;
    this.far = far;
    this.dimmedLayer.style.display = far ? 'none' : '';
    this.farFrames.element.style.display = far ? '' : 'none';
  }

  private drawFarFrames(): void {
    this.farDirty = false;
    this.farFrames.draw(this.nodes.all.filter((m) => !this.onPath.has(m.node.id)));
  }

  private onClick(event: MouseEvent): void {
    const target = event.target instanceof Element ? event.target.closest<SVGGElement>('[data-node-id]') : null;
    let hit = target ? this.nodes.model(target.getAttribute('data-node-id') ?? '') : undefined;
    if (!hit && this.model && event.target instanceof Element && this.farFrames.element.contains(event.target)) {
      const box = this.svg.getBoundingClientRect();
      const [x, y] = zoomTransform(this.svg).invert([event.clientX - box.left, event.clientY - box.top]);
      hit = nodeAt(this.model.nodes, { x, y });
    }
    if (!hit || hit.node.kind === 'root') return;
    const { node } = hit;
    const line = this.selection.line !== null && node.lines.includes(this.selection.line) ? this.selection.line : node.lines[0];
    if (line !== undefined) this.events.selectNode(line, node.turn);
  }

  private syncNodes(model: TreeModel | null): void {
    this.nodes.setNodes(model?.nodes ?? []);
    this.svg.setAttribute('data-node-count', String(model?.nodes.length ?? 0));
    this.farDirty = true;
    this.syncLinks(model);
  }

  private syncLinks(model: TreeModel | null): void {
    const byId = new Map((model?.nodes ?? []).map((m) => [m.node.id, m]));
    const path = linkVertical<unknown, { x: number; y: number }>().x((p) => p.x).y((p) => p.y);
    this.linkSegments.clear();
    for (const link of model?.links ?? []) {
      const a = byId.get(link.source);
      const b = byId.get(link.target);
      if (!a || !b) continue;
      const d = path({ source: { x: a.x, y: a.y + nodeExtent(a).height / 2 }, target: { x: b.x, y: b.y - nodeExtent(b).height / 2 } });
      if (d) this.linkSegments.set(link.target, d);
    }
    this.allLinks.setAttribute('d', [...this.linkSegments.values()].join(''));
  }

  private currentNode(): NodeModel | undefined {
    const { line, turn } = this.selection;
    if (line === null) return undefined;
    const found = this.nodes.all.find((m) => m.node.lines.includes(line) && m.node.turn === (turn ?? -1));
    return found ?? (turn === null ? undefined : this.nodes.model('root'));
  }

  private applySelection(): void {
    const { line } = this.selection;
    const onPath = new Set<string>();
    if (line !== null) for (const m of this.nodes.all) if (m.node.lines.includes(line)) onPath.add(m.node.id);
    this.onPath = onPath;
    this.nodes.setPath({ onPath, currentId: this.currentNode()?.node.id ?? null, focusedId: this.focusedNodeId });
    const selected: string[] = [];
    for (const id of onPath) {
      const segment = this.linkSegments.get(id);
      if (segment) selected.push(segment);
    }
    this.pathLinks.setAttribute('d', selected.join(''));
    this.farDirty = true;
    if (this.far) this.drawFarFrames();
  }

  private scheduleVisibility(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.visibilityPass();
    });
  }

  /** At a gesture's end: the pass now, not a frame later. */
  private runVisibilityPass(): void {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.visibilityPass();
  }

  /** At most once a frame: the zoom readout, far or near drawing, which nodes have groups, thumbnails, the saved zoom. */
  private visibilityPass(): void {
    const t = this.transform;
    this.levelEl.textContent = `${Math.round(t.k * 100)}% · ${detailLevel(t.k)}`;
    this.setFar(t.k < FAR_SCALE);
    this.createNodesInView();
    this.loadVisibleThumbnails();
    if (this.model && this.zoomMoved) this.events.zoom(this.model.taskId, t);
    this.zoomMoved = false;
  }

  /** Gives groups to the nodes near the viewport (from the layout and the transform: nothing is measured); far out, to none off the path. */
  private createNodesInView(): void {
    const size = this.size();
    const t = this.transform;
    if (this.model && size.width > 0) this.nodes.setRegion(t.k < FAR_SCALE ? null : visibleRect(t, size, CULL_MARGIN / Math.min(1, t.k)));
  }

  private thumbnailRequest(m: NodeModel, maxSide: number): ThumbnailRequest | null {
    const picture = pictureOf(m);
    return picture && { key: `${picture.key}:${maxSide}`, line: picture.line, observation: picture.observation, maxSide };
  }

  /** Requests pictures only for nodes in (or near) the viewport, at the resolution the scale needs. */
  private loadVisibleThumbnails(): void {
    if (!this.model) return;
    const size = this.size();
    if (size.width === 0) return;
    const t = this.transform;
    if (t.k * THUMB_BOX.width < MIN_THUMB_PIXELS) return;
    const rect = visibleRect(t, size, 80);
    const maxSide = t.k >= HIGH_RES_SCALE ? HIGH_RES_MAX_SIDE : THUMB_MAX_SIDE;
    const wanted: ThumbnailRequest[] = [];
    for (const m of this.model.nodes) {
      if (!contains(rect, m)) continue;
      const request = this.thumbnailRequest(m, maxSide);
      if (!request) continue;
      const view = this.nodes.view(m.node.id);
      const ready = this.thumbnails.get(request.key);
      if (ready && view) {
        if (view.thumbnailKey !== request.key) view.setThumbnail(request.key, ready);
        continue;
      }
      wanted.push(request);
      const low = maxSide !== THUMB_MAX_SIDE ? this.thumbnailRequest(m, THUMB_MAX_SIDE) : null;
      if (low && !this.thumbnails.get(low.key)) wanted.push(low);
    }
    this.thumbnails.keepOnly(new Set(wanted.map((w) => w.key)));
    this.thumbnails.want(wanted);
  }

  /** Nodes by picture (a thumbnail's key less its size), so that an arriving thumbnail finds its nodes without a scan. */
  private nodesOfPicture(): Map<string, NodeModel[]> {
    if (this.byPicture) return this.byPicture;
    this.byPicture = new Map();
    for (const m of this.model?.nodes ?? []) {
      const key = pictureOf(m)?.key;
      if (key === undefined) continue;
      const list = this.byPicture.get(key);
      if (list) list.push(m);
      else this.byPicture.set(key, [m]);
    }
    return this.byPicture;
  }

  private onThumbnail(key: string, ref: ImageRef): void {
    for (const m of this.nodesOfPicture().get(key.slice(0, key.lastIndexOf(':'))) ?? []) {
      const view = this.nodes.view(m.node.id);
      if (!view) continue;
      const low = this.thumbnailRequest(m, THUMB_MAX_SIDE);
      const high = this.thumbnailRequest(m, HIGH_RES_MAX_SIDE);
      if (high?.key === key || (low?.key === key && view.thumbnailKey !== high?.key)) view.setThumbnail(key, ref);
    }
  }

  /** A group made for a node that comes into view shows the best picture already loaded. */
  private showCachedThumbnail(view: NodeView, m: NodeModel): void {
    for (const maxSide of [HIGH_RES_MAX_SIDE, THUMB_MAX_SIDE]) {
      const request = this.thumbnailRequest(m, maxSide);
      const ready = request && this.thumbnails.get(request.key);
      if (request && ready) return view.setThumbnail(request.key, ready);
    }
  }
}
