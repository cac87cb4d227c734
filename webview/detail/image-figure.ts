import type { ImageRef } from '../../src/protocol';
import type { Box4 } from '../../src/core/trajectory/schema';
import { h, isSafeImageUri, s } from '../dom';

export interface OverlayBox {
  box: Box4;
  /** current: this turn's box; lineage: an earlier box of the path; truth: the ground-truth box. */
  kind: 'current' | 'lineage' | 'truth';
  title: string;
}

export interface FigureContent {
  /** The picture, or null while it loads. */
  image: ImageRef | null;
  /** The pixel space the boxes are in (the full-resolution size of the image shown). */
  space: { width: number; height: number };
  boxes: OverlayBox[];
  /** Text under the picture (sizes, the box in its space). */
  caption: string[];
}

/**
 * A picture with boxes drawn over it. The overlay's viewBox is the image's own pixel space, so
 * boxes given in that space land on the right pixels whatever size the picture is shown at.
 */
export class ImageFigure {
  readonly element: HTMLElement;
  private readonly frame: HTMLElement;
  private readonly img: HTMLImageElement;
  private readonly overlay: SVGSVGElement;
  private readonly errorEl: HTMLElement;
  private readonly captionEl: HTMLElement;

  constructor(title: string, className: string) {
    this.img = h('img', { attrs: { alt: title, draggable: 'false' } });
    this.overlay = s('svg', { className: 'image-overlay', attrs: { preserveAspectRatio: 'none', 'aria-hidden': 'true' } });
    this.errorEl = h('div', { className: 'image-error', attrs: { hidden: true, role: 'alert' } });
    this.frame = h('div', { className: 'image-frame loading' }, this.img, this.overlay);
    this.captionEl = h('figcaption', { className: 'image-caption' });
    this.element = h('figure', { className: `image-figure ${className}` }, h('div', { className: 'figure-title', text: title }), this.frame, this.errorEl, this.captionEl);
  }

  set(content: FigureContent): void {
    const { image, space, boxes, caption } = content;
    this.captionEl.replaceChildren(...caption.map((line) => h('div', { text: line })));
    this.overlay.setAttribute('viewBox', `0 0 ${Math.max(1, space.width)} ${Math.max(1, space.height)}`);
    this.overlay.replaceChildren(
      ...boxes.map((b) => {
        const [x0, y0, x1, y1] = b.box;
        const rect = s('rect', {
          className: `overlay-box box-${b.kind}`,
          attrs: { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0), 'vector-effect': 'non-scaling-stroke' },
        });
        rect.append(s('title', { text: b.title }));
        return rect;
      }),
    );
    if (image === null) {
      this.frame.classList.add('loading');
      this.frame.hidden = false;
      this.errorEl.hidden = true;
      this.img.removeAttribute('src');
      return;
    }
    this.frame.classList.remove('loading');
    if (image.uri === null || !isSafeImageUri(image.uri)) {
      this.frame.hidden = true;
      this.errorEl.hidden = false;
      this.errorEl.textContent = image.uri === null ? image.error ?? 'the image could not be made' : 'the host sent an image address that is not a resource URL';
      this.img.removeAttribute('src');
      return;
    }
    this.frame.hidden = false;
    this.errorEl.hidden = true;
    // Keep the aspect from the pixel space so the overlay matches before the picture decodes.
    this.frame.style.setProperty('--aspect', String(Math.max(1, space.width) / Math.max(1, space.height)));
    if (this.img.getAttribute('src') !== image.uri) this.img.setAttribute('src', image.uri);
  }

  /** Puts an interactive layer (the box editor) over the picture; null takes this figure's layer away. */
  setLayer(layer: SVGSVGElement | null): void {
    for (const el of Array.from(this.frame.children)) if (el !== layer && el.classList.contains('box-edit-layer')) el.remove();
    if (layer && layer.parentElement !== this.frame) this.frame.append(layer);
  }

  hide(hidden: boolean): void {
    this.element.hidden = hidden;
  }
}
