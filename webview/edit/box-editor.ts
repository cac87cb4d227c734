import type { Box4 } from '../../src/core/trajectory/schema';
import { h, s } from '../dom';
import { formatBox, formatSize } from '../format';
import type { WebviewRpc } from '../rpc-client';
import { ImageFigure } from '../detail/image-figure';
import { dragBox, handlePoint, nudgeBox, RESIZE_HANDLES, roundBox, sameBox, toRelative, type DragHandle, type Space } from './box-math';

/** Live re-crops while dragging are requested at most this often. */
export const PREVIEW_INTERVAL_MS = 100;
/** Handle size on screen, in CSS pixels. */
const HANDLE_PX = 9;

/** The box being edited: a turn's crop, in the pixels of the image it cropped from. */
export interface BoxTarget {
  line: number;
  turn: number;
  /** `original_image` or `observation_N`. */
  source: string;
  space: Space;
  box: Box4;
}

interface Drag {
  handle: DragHandle;
  pointerId: number;
  start: [number, number];
  startBox: Box4;
}

/**
 * Handles on a turn's box over its source image: drag the body to move, a handle to resize,
 * or focus it (`b`) and use the arrows (shift: resize), Enter to apply, Esc to put it back.
 * While it moves, the crop the model would see is fetched (throttled) and shown live; on drop
 * the new box goes to the host as `setBox` in relative coordinates of the source.
 */
export class BoxEditor {
  readonly layer: SVGSVGElement;
  readonly panel: HTMLElement;
  private readonly rect: SVGRectElement;
  private readonly handles = new Map<Exclude<DragHandle, 'move'>, SVGRectElement>();
  private readonly labelEl: HTMLElement;
  private readonly stateEl: HTMLElement;
  private readonly preview = new ImageFigure('Live re-crop', 'figure-preview');
  private target: BoxTarget | null = null;
  private box: Box4 = [0, 0, 0, 0];
  private drag: Drag | null = null;
  private previewTimer: ReturnType<typeof setTimeout> | undefined;
  private lastPreviewAt = 0;
  private previewTicket = 0;

  constructor(private readonly rpc: WebviewRpc, private readonly commit: (target: BoxTarget, bbox: [number, number, number, number]) => Promise<boolean>) {
    this.rect = s('rect', { className: 'edit-box', attrs: { 'data-handle': 'move', 'vector-effect': 'non-scaling-stroke' } });
    this.layer = s('svg', {
      className: 'box-edit-layer',
      attrs: { preserveAspectRatio: 'none', tabindex: 0, role: 'application', 'aria-label': 'Turn box: drag to move, handles to resize; arrows move, shift+arrows resize, Enter applies, Esc resets' },
    }, this.rect);
    for (const handle of RESIZE_HANDLES) {
      const el = s('rect', { className: `edit-handle handle-${handle}`, attrs: { 'data-handle': handle, 'vector-effect': 'non-scaling-stroke' } });
      this.handles.set(handle, el);
      this.layer.append(el);
    }
    this.labelEl = h('div', { className: 'box-edit-label' });
    this.stateEl = h('span', { className: 'edit-status muted', attrs: { 'aria-live': 'polite' } });
    this.preview.hide(true);
    this.panel = h('div', { className: 'box-edit-panel' }, h('div', { className: 'box-edit-line' }, this.labelEl, this.stateEl), this.preview.element);
    this.layer.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    this.layer.addEventListener('pointermove', (e) => this.onPointerMove(e));
    this.layer.addEventListener('pointerup', (e) => void this.onPointerUp(e));
    this.layer.addEventListener('pointercancel', () => this.cancelDrag());
    this.layer.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => this.draw()).observe(this.layer);
  }

  /** The box to edit (null: the turn has no box to drag). A new target resets what was dragged. */
  setTarget(target: BoxTarget | null): void {
    const same = target && this.target && target.line === this.target.line && target.turn === this.target.turn && sameBox(target.box, this.target.box) && target.source === this.target.source;
    this.target = target;
    if (!target) {
      this.panel.hidden = true;
      return;
    }
    this.panel.hidden = false;
    if (!same) {
      this.cancelDrag();
      this.box = target.box;
      this.preview.hide(true);
      this.stateEl.textContent = '';
    }
    this.layer.setAttribute('viewBox', `0 0 ${Math.max(1, target.space.width)} ${Math.max(1, target.space.height)}`);
    this.draw();
  }

  focus(): void {
    this.layer.focus({ preventScroll: false });
    this.layer.scrollIntoView({ block: 'nearest' });
  }

  private draw(): void {
    const t = this.target;
    if (!t) return;
    const [x0, y0, x1, y1] = this.box;
    this.rect.setAttribute('x', String(x0));
    this.rect.setAttribute('y', String(y0));
    this.rect.setAttribute('width', String(Math.max(0, x1 - x0)));
    this.rect.setAttribute('height', String(Math.max(0, y1 - y0)));
    const shown = this.layer.getBoundingClientRect();
    const hx = shown.width > 0 ? (HANDLE_PX * t.space.width) / shown.width : t.space.width / 60;
    const hy = shown.height > 0 ? (HANDLE_PX * t.space.height) / shown.height : t.space.height / 60;
    for (const [handle, el] of this.handles) {
      const [x, y] = handlePoint(this.box, handle);
      el.setAttribute('x', String(x - hx / 2));
      el.setAttribute('y', String(y - hy / 2));
      el.setAttribute('width', String(hx));
      el.setAttribute('height', String(hy));
    }
    const rel = toRelative(this.box, t.space);
    const changed = !sameBox(roundBox(this.box), t.box);
    this.labelEl.textContent = `${t.source} ${formatSize(t.space)} · px ${formatBox(roundBox(this.box))} · bbox_2d ${formatBox(rel)}${changed ? ' (not applied)' : ''}`;
  }

  private toSpace(event: PointerEvent): [number, number] {
    const m = this.layer.getScreenCTM();
    if (!m) return [0, 0];
    const p = new DOMPoint(event.clientX, event.clientY).matrixTransform(m.inverse());
    return [p.x, p.y];
  }

  private onPointerDown(event: PointerEvent): void {
    if (!this.target || event.button !== 0) return;
    const handle = (event.target instanceof Element ? event.target.getAttribute('data-handle') : null) as DragHandle | null;
    if (!handle) return;
    event.preventDefault();
    this.layer.focus({ preventScroll: true });
    this.layer.setPointerCapture(event.pointerId);
    this.drag = { handle, pointerId: event.pointerId, start: this.toSpace(event), startBox: this.box };
    this.layer.classList.add('dragging');
  }

  private onPointerMove(event: PointerEvent): void {
    if (!this.drag || !this.target || event.pointerId !== this.drag.pointerId) return;
    const [x, y] = this.toSpace(event);
    this.box = dragBox(this.drag.startBox, this.drag.handle, x - this.drag.start[0], y - this.drag.start[1], this.target.space);
    this.draw();
    this.schedulePreview();
  }

  private async onPointerUp(event: PointerEvent): Promise<void> {
    if (!this.drag || event.pointerId !== this.drag.pointerId) return;
    this.cancelDrag();
    await this.apply();
  }

  private cancelDrag(): void {
    if (this.drag && this.layer.hasPointerCapture(this.drag.pointerId)) this.layer.releasePointerCapture(this.drag.pointerId);
    this.drag = null;
    this.layer.classList.remove('dragging');
  }

  private onKey(event: KeyboardEvent): void {
    if (!this.target || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === 'Enter') {
      void this.apply();
    } else if (event.key === 'Escape') {
      this.box = this.target.box;
      this.preview.hide(true);
      this.draw();
      this.layer.blur();
    } else {
      const next = nudgeBox(this.box, event.key, event.shiftKey, this.target.space);
      if (!next) return;
      this.box = next;
      this.draw();
      this.schedulePreview();
    }
    event.preventDefault();
    event.stopPropagation();
  }

  private async apply(): Promise<void> {
    const t = this.target;
    if (!t) return;
    const box = roundBox(this.box);
    if (sameBox(box, t.box)) return;
    this.stateEl.textContent = 'Applying…';
    const ok = await this.commit(t, toRelative(box, t.space));
    if (this.target === t) this.stateEl.textContent = ok ? '' : 'Not applied: the box is kept where you put it.';
  }

  private schedulePreview(): void {
    if (this.previewTimer !== undefined) return;
    const wait = Math.max(0, PREVIEW_INTERVAL_MS - (performance.now() - this.lastPreviewAt));
    this.previewTimer = setTimeout(() => {
      this.previewTimer = undefined;
      this.lastPreviewAt = performance.now();
      void this.requestPreview();
    }, wait);
  }

  private async requestPreview(): Promise<void> {
    const t = this.target;
    if (!t) return;
    const ticket = ++this.previewTicket;
    const box = roundBox(this.box);
    const bbox = toRelative(box, t.space);
    const caption = [`re-crop of ${t.source} px ${formatBox(box)}`];
    this.preview.hide(false);
    try {
      const image = await this.rpc.request('previewCrop', { line: t.line, turn: t.turn, bbox, source: t.source });
      if (ticket !== this.previewTicket) return;
      this.preview.set({ image, space: { width: Math.max(1, image.width), height: Math.max(1, image.height) }, boxes: [], caption: [...caption, formatSize(image)] });
    } catch (error) {
      if (ticket !== this.previewTicket) return;
      this.preview.set({ image: { uri: null, width: 0, height: 0, error: `No preview: ${error instanceof Error ? error.message : String(error)}` }, space: { width: 1, height: 1 }, boxes: [], caption });
    }
  }
}
