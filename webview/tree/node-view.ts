import type { ImageRef } from '../../src/protocol';
import type { Box4 } from '../../src/core/trajectory/schema';
import type { SearchTreeNode } from '../../src/core/tree/search-tree';
import { isSafeImageUri, s } from '../dom';
import { correctMark, statusColour, statusText } from '../format';
import type { Extent } from './zoom-math';

/** The largest thumbnail drawn in a node, in layout units. */
export const THUMB_BOX: Extent = { width: 120, height: 90 };
export const LEAF_SIZE: Extent = { width: 124, height: 36 };
const CAPTION_CHARS = 24;
const CAPTION_LINES = 2;

/** What a node needs to draw itself, derived from the tree and the task's trajectories. */
export interface NodeModel {
  node: SearchTreeNode;
  x: number;
  y: number;
  /** The node's image in pixels (root: the original; observation: the crop), null for leaves. */
  imageSize: Extent | null;
  /** The drawn size of the thumbnail (aspect of imageSize inside THUMB_BOX). */
  thumb: Extent;
  /** Crop boxes of the node's children, in this node's image pixels. */
  childBoxes: { childId: string; box: Box4; colour: string }[];
}

export function nodeExtent(model: NodeModel): Extent {
  return model.imageSize ? model.thumb : LEAF_SIZE;
}

function leafLabel(node: SearchTreeNode): string {
  switch (node.kind) {
    case 'answer': {
      const answer = node.answer ?? '';
      return `${correctMark(node.correct ?? null).mark} ${answer}`.trim();
    }
    case 'void':
      return node.answer ? `void: ${node.answer}` : 'void';
    case 'over_turn':
      return 'over turn';
    case 'error':
      return `✗ ${statusText(node.status)}`;
    default:
      return '';
  }
}

function truncate(text: string, chars: number): string {
  return text.length > chars ? `${text.slice(0, chars - 1)}…` : text;
}

/** Splits a caption into at most CAPTION_LINES lines of about CAPTION_CHARS characters. */
export function captionLines(caption: string): string[] {
  const words = caption.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let current = '';
  for (const word of words) {
    if (current && current.length + 1 + word.length > CAPTION_CHARS) {
      lines.push(current);
      current = word;
      if (lines.length === CAPTION_LINES) break;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  if (lines.length < CAPTION_LINES && current) lines.push(current);
  const wasCut = lines.join(' ').length < caption.trim().replace(/\s+/g, ' ').length;
  return lines.map((line, i) => truncate(line, CAPTION_CHARS) + (wasCut && i === lines.length - 1 && !line.endsWith('…') ? '…' : ''));
}

/** The SVG of one tree node; updated in place when the tree changes. */
export class NodeView {
  readonly g: SVGGElement;
  private readonly frame: SVGRectElement;
  private readonly image: SVGImageElement;
  private readonly boxes: SVGGElement;
  private readonly turnLabel: SVGTextElement;
  private readonly caption: SVGTextElement;
  private readonly leafText: SVGTextElement;
  private readonly errorText: SVGTextElement;
  private readonly tooltip: SVGTitleElement;
  private model: NodeModel;
  thumbnailKey: string | null = null;

  constructor(model: NodeModel) {
    this.model = model;
    this.g = s('g', { attrs: { 'data-node-id': model.node.id, role: 'button', 'aria-label': '' } });
    this.tooltip = s('title');
    this.frame = s('rect', { className: 'node-frame' });
    this.image = s('image', { className: 'node-thumb', attrs: { preserveAspectRatio: 'none' } });
    this.boxes = s('g', { className: 'child-boxes detail-only' });
    this.turnLabel = s('text', { className: 'node-turn detail-only', attrs: { 'text-anchor': 'middle' } });
    this.caption = s('text', { className: 'node-caption detail-only', attrs: { 'text-anchor': 'middle' } });
    this.leafText = s('text', { className: 'node-leaf-text', attrs: { 'text-anchor': 'middle', 'dominant-baseline': 'central' } });
    this.errorText = s('text', { className: 'node-image-error', attrs: { 'text-anchor': 'middle', 'dominant-baseline': 'central' } });
    this.g.append(this.tooltip, this.frame, this.image, this.boxes, this.turnLabel, this.caption, this.leafText, this.errorText);
    this.update(model);
  }

  get node(): SearchTreeNode {
    return this.model.node;
  }

  get position(): { x: number; y: number } {
    return { x: this.model.x, y: this.model.y };
  }

  update(model: NodeModel): void {
    this.model = model;
    const { node } = model;
    const extent = nodeExtent(model);
    const isImage = model.imageSize !== null;
    this.g.setAttribute('transform', `translate(${model.x},${model.y})`);
    this.g.setAttribute('class', `tree-node kind-${node.kind} colour-${node.kind === 'root' ? 'root' : statusColour(node.status)}`);
    this.g.setAttribute('data-turn', String(node.turn));
    const turnText = node.kind === 'root' ? 'original image' : `turn ${node.turn}`;
    this.tooltip.textContent = [turnText, node.kind === 'root' ? '' : statusText(node.status), node.caption].filter(Boolean).join(' · ');
    this.g.setAttribute('aria-label', this.tooltip.textContent);

    setRect(this.frame, -extent.width / 2, -extent.height / 2, extent.width, extent.height);
    this.frame.setAttribute('rx', isImage ? '2' : '8');
    setRect(this.image, -extent.width / 2, -extent.height / 2, extent.width, extent.height);
    this.image.toggleAttribute('hidden', !isImage);

    this.turnLabel.textContent = turnText;
    this.turnLabel.setAttribute('y', String(-extent.height / 2 - 6));
    this.leafText.textContent = isImage ? '' : truncate(leafLabel(node), 20);

    this.caption.replaceChildren();
    captionLines(node.caption).forEach((line, i) => {
      this.caption.append(s('tspan', { text: line, attrs: { x: 0, dy: i === 0 ? 0 : '1.2em' } }));
    });
    this.caption.setAttribute('y', String(extent.height / 2 + 14));

    this.boxes.replaceChildren();
    if (model.imageSize) {
      const k = model.thumb.width / model.imageSize.width;
      for (const child of model.childBoxes) {
        const [x0, y0, x1, y1] = child.box;
        const rect = s('rect', { className: `child-box colour-${child.colour}`, attrs: { 'data-child': child.childId } });
        setRect(rect, -extent.width / 2 + x0 * k, -extent.height / 2 + y0 * k, (x1 - x0) * k, (y1 - y0) * k);
        this.boxes.append(rect);
      }
    }
  }

  setPathState(state: { onPath: boolean; current: boolean; focused: boolean }): void {
    this.g.classList.toggle('on-path', state.onPath);
    this.g.classList.toggle('dimmed', !state.onPath);
    this.g.classList.toggle('current-turn', state.current);
    this.g.classList.toggle('focused', state.focused);
  }

  /** Marks the boxes of children on the selected path. */
  highlightChildBoxes(onPath: ReadonlySet<string>): void {
    for (const rect of this.boxes.querySelectorAll('rect')) rect.classList.toggle('on-path', onPath.has(rect.getAttribute('data-child') ?? ''));
  }

  setThumbnail(key: string, ref: ImageRef): void {
    this.thumbnailKey = key;
    if (ref.uri && isSafeImageUri(ref.uri)) {
      this.image.setAttribute('href', ref.uri);
      this.errorText.textContent = '';
      this.g.classList.remove('image-failed');
    } else {
      this.image.removeAttribute('href');
      this.errorText.textContent = 'image unavailable';
      this.g.classList.add('image-failed');
      this.tooltip.textContent = `${this.tooltip.textContent ?? ''}\n${ref.error ?? 'the image could not be made'}`;
    }
  }
}

function setRect(el: SVGRectElement | SVGImageElement, x: number, y: number, width: number, height: number): void {
  el.setAttribute('x', String(x));
  el.setAttribute('y', String(y));
  el.setAttribute('width', String(Math.max(0, width)));
  el.setAttribute('height', String(Math.max(0, height)));
}
