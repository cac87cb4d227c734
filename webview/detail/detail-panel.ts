import type { ImageRef, ImageRequest, ObservationView, SizePx, TrajectoryView, TurnView } from '../../src/protocol';
import type { Box4 } from '../../src/core/trajectory/schema';
import { h } from '../dom';
import { checkbox } from '../controls';
import { formatBox, formatCount, formatSize, sourceName } from '../format';
import type { WebviewRpc } from '../rpc-client';
import { ImageFigure, type OverlayBox } from './image-figure';
import { renderReasoning } from './reasoning-view';
import { renderTrajectoryHeader, renderTurnStrip } from './trajectory-header';

/** The original is fetched at most this large for the detail view. */
const ORIGINAL_MAX_SIDE = 1600;

export interface DetailPanelEvents {
  selectTurn(turn: number): void;
  revealLine(line: number): void;
  rawTextChanged(raw: boolean): void;
}

/** What an extension (editing, review) is told after each render. */
export interface TurnShown {
  trajectory: TrajectoryView;
  turn: TurnView | undefined;
  /** The figure showing the image this turn crops from, that image's pixel space (null: unknown) and name. */
  sourceFigure: ImageFigure;
  otherFigure: ImageFigure;
  sourceSpace: SizePx | null;
  sourceIndex: number;
}

/** Adds to the panel: elements placed once (under the header, above and below the images) and a hook run after each render. */
export interface DetailExtension {
  readonly afterHeader: HTMLElement;
  readonly beforeImages: HTMLElement;
  readonly afterImages: HTMLElement;
  shown(context: TurnShown): void;
}

/** The image the model was looking at before turn `index`: the last observation made earlier, else the original. */
function imageBefore(t: TrajectoryView, index: number): number {
  let looking = 0;
  for (const turn of t.turns) {
    if (turn.index >= index) break;
    if (turn.observationIndex !== undefined) looking = turn.observationIndex;
  }
  return looking;
}

function shiftInto(box: Box4, rect: Box4): Box4 {
  return [box[0] - rect[0], box[1] - rect[1], box[2] - rect[0], box[3] - rect[1]];
}

/**
 * The right-hand panel: the selected trajectory's header, its turns, and for the selected turn
 * the source image with the turn's box in that image's pixels, the crop lineage on the
 * original, the crop as the model saw it and at full resolution, and the turn's text.
 */
export class DetailPanel {
  readonly element: HTMLElement;
  private readonly headerSlot: HTMLElement;
  private readonly stripSlot: HTMLElement;
  private readonly reasoningSlot: HTMLElement;
  private readonly sourceFigure = new ImageFigure('Source image', 'figure-source');
  private readonly originalFigure = new ImageFigure('Original · crop lineage', 'figure-original');
  private readonly modelFigure = new ImageFigure('Crop as the model saw it', 'figure-model');
  private readonly cropFigure = new ImageFigure('Crop at full resolution', 'figure-crop');
  private readonly cropSizes: HTMLElement;
  private readonly messageEl: HTMLElement;
  private readonly content: HTMLElement;
  private readonly images = new Map<string, Promise<ImageRef>>();
  private generation = 0;
  private shown: { trajectory: TrajectoryView; turn: number | null } | null = null;

  constructor(private readonly rpc: WebviewRpc, private readonly events: DetailPanelEvents, private rawText: boolean, private readonly extension?: DetailExtension) {
    this.headerSlot = h('div', { className: 'detail-header-slot' });
    this.stripSlot = h('div', { className: 'detail-strip-slot' });
    this.reasoningSlot = h('div', { className: 'detail-reasoning-slot' });
    this.cropSizes = h('div', { className: 'crop-sizes' });
    const rawToggle = checkbox('Raw text', rawText, (raw) => {
      this.rawText = raw;
      this.events.rawTextChanged(raw);
      this.rerender();
    });
    rawToggle.classList.add('raw-toggle');
    this.messageEl = h('div', { className: 'pane-message', text: 'Select a trajectory to see its turns.' });
    this.content = h(
      'div',
      { className: 'detail-content', attrs: { hidden: true } },
      this.headerSlot,
      extension?.afterHeader,
      this.stripSlot,
      extension?.beforeImages,
      h('section', { className: 'detail-images', attrs: { 'aria-label': 'Images' } }, this.sourceFigure.element, this.originalFigure.element),
      extension?.afterImages,
      h('section', { className: 'detail-crop', attrs: { 'aria-label': 'Crop' } }, this.cropSizes, h('div', { className: 'figure-row' }, this.modelFigure.element, this.cropFigure.element)),
      h('section', { className: 'detail-text', attrs: { 'aria-label': 'Reasoning' } }, h('div', { className: 'section-bar' }, h('span', { className: 'section-title', text: 'Turn text' }), rawToggle), this.reasoningSlot),
    );
    this.element = h('div', { className: 'detail-pane', attrs: { tabindex: -1 } }, this.messageEl, this.content);
  }

  show(trajectory: TrajectoryView, turn: number | null): void {
    if (this.shown && this.shown.trajectory.line !== trajectory.line) {
      // Keep what was fetched ahead for the line now shown (the review queue preloads the next item).
      for (const key of this.images.keys()) if (key.split(':')[1] !== String(trajectory.line)) this.images.delete(key);
    }
    this.shown = { trajectory, turn };
    this.rerender();
  }

  /** Pictures are fetched by line; after the document reloads a line may hold another trajectory. */
  forgetImages(): void {
    this.images.clear();
  }

  showMessage(message: string): void {
    this.shown = null;
    this.content.hidden = true;
    this.messageEl.hidden = false;
    this.messageEl.textContent = message;
  }

  private rerender(): void {
    if (!this.shown) return;
    const { trajectory: t, turn: turnIndex } = this.shown;
    const generation = ++this.generation;
    this.messageEl.hidden = true;
    this.content.hidden = false;
    this.headerSlot.replaceChildren(renderTrajectoryHeader(t, () => this.events.revealLine(t.line)));
    this.stripSlot.replaceChildren(renderTurnStrip(t, turnIndex, (i) => this.events.selectTurn(i)));
    const turn = turnIndex === null ? undefined : t.turns.find((x) => x.index === turnIndex);
    this.reasoningSlot.replaceChildren(turn ? renderReasoning(t, turn, this.rawText) : h('div', { className: 'muted', text: 'This trajectory has no turns.' }));
    this.showImages(t, turn, generation);
    if (this.extension) {
      const sourceIndex = turn?.sourceIndex ?? imageBefore(t, turn?.index ?? t.turns.length);
      const onOriginal = sourceIndex === 0;
      const space = t.observations.find((o) => o.index === sourceIndex)?.size ?? null;
      this.extension.shown({
        trajectory: t,
        turn,
        sourceFigure: onOriginal ? this.originalFigure : this.sourceFigure,
        otherFigure: onOriginal ? this.sourceFigure : this.originalFigure,
        sourceSpace: space,
        sourceIndex,
      });
    }
  }

  /** Fetches the pictures a trajectory's first turn shows, so showing it later does not wait. */
  preload(t: TrajectoryView): void {
    this.image({ line: t.line, kind: 'original', maxSide: ORIGINAL_MAX_SIDE }, `original:${t.line}`).catch(() => undefined);
    for (const o of t.observations) {
      if (o.index === 0 || o.turn !== 0) continue;
      const rect = o.rectInOriginal.join(',');
      this.image({ line: t.line, kind: 'model', observation: o.index }, `model:${t.line}:${o.index}:${rect}`).catch(() => undefined);
      this.image({ line: t.line, kind: 'crop', observation: o.index }, `crop:${t.line}:${o.index}:${rect}`).catch(() => undefined);
    }
  }

  private image(request: ImageRequest, key: string): Promise<ImageRef> {
    let p = this.images.get(key);
    if (!p) {
      p = this.rpc.request('getImage', request).catch((error: unknown) => ({ uri: null, width: 0, height: 0, error: error instanceof Error ? error.message : String(error) }));
      this.images.set(key, p);
    }
    return p;
  }

  private showImages(t: TrajectoryView, turn: TurnView | undefined, generation: number): void {
    const observations = new Map<number, ObservationView>(t.observations.map((o) => [o.index, o]));
    const original = observations.get(0);
    if (!original) {
      this.originalFigure.set({ image: { uri: null, width: 0, height: 0, error: 'The original image could not be read, so no geometry is shown.' }, space: { width: 1, height: 1 }, boxes: [], caption: [] });
      this.sourceFigure.hide(true);
      this.setCrop(t, undefined, generation);
      return;
    }
    const index = turn?.index ?? t.turns.length;
    const sourceIndex = turn?.sourceIndex ?? imageBefore(t, index);
    const source = observations.get(sourceIndex);

    // Crop lineage on the original: earlier crops of the path faint, this turn's box strong, ground truth dashed.
    const boxes: OverlayBox[] = [];
    for (const earlier of t.turns) {
      if (earlier.index >= index || !earlier.boxInOriginal) continue;
      boxes.push({ box: earlier.boxInOriginal, kind: 'lineage', title: `turn ${earlier.index}: ${formatBox(earlier.boxInOriginal)}` });
    }
    if (turn?.boxInOriginal) boxes.push({ box: turn.boxInOriginal, kind: 'current', title: `turn ${turn.index}: ${formatBox(turn.boxInOriginal)}` });
    if (t.task.gtBox) boxes.push({ box: t.task.gtBox, kind: 'truth', title: `ground truth ${formatBox(t.task.gtBox)}` });
    const originalCaption: string[] = [];
    if (turn?.pixelBox && sourceIndex === 0) originalCaption.push(`${sourceName(0)} px ${formatBox(turn.pixelBox)}`);
    else if (turn?.boxInOriginal) originalCaption.push(`in ${sourceName(0)} px ${formatBox(turn.boxInOriginal)}`);
    if (t.task.gtBox) originalCaption.push(`ground truth (dashed) px ${formatBox(t.task.gtBox)}`);
    originalCaption.push(`${sourceName(0)} ${formatSize(original.size)}`);
    const originalContent = { space: original.size, boxes, caption: originalCaption };
    this.originalFigure.set({ ...originalContent, image: null });
    void this.image({ line: t.line, kind: 'original', maxSide: ORIGINAL_MAX_SIDE }, `original:${t.line}`).then((image) => {
      if (generation === this.generation) this.originalFigure.set({ ...originalContent, image });
    });

    // The image the turn cropped from, in its own pixel space (only when that is an observation).
    this.sourceFigure.hide(sourceIndex === 0 || !source);
    if (sourceIndex !== 0 && source) {
      const sourceBoxes: OverlayBox[] = [];
      if (turn?.pixelBox) sourceBoxes.push({ box: turn.pixelBox, kind: 'current', title: `turn ${turn.index}` });
      if (t.task.gtBox) sourceBoxes.push({ box: shiftInto(t.task.gtBox, source.rectInOriginal), kind: 'truth', title: 'ground truth' });
      const caption = [
        turn?.pixelBox ? `${sourceName(sourceIndex)} px ${formatBox(turn.pixelBox)}` : `${sourceName(sourceIndex)} (the image the model was looking at)`,
        `${sourceName(sourceIndex)} ${formatSize(source.size)}, made by turn ${source.turn}`,
      ];
      const content = { space: source.size, boxes: sourceBoxes, caption };
      this.sourceFigure.set({ ...content, image: null });
      const key = `crop:${t.line}:${sourceIndex}:${source.rectInOriginal.join(',')}`;
      void this.image({ line: t.line, kind: 'crop', observation: sourceIndex }, key).then((image) => {
        if (generation === this.generation) this.sourceFigure.set({ ...content, image });
      });
    }
    this.setCrop(t, turn?.observationIndex !== undefined ? observations.get(turn.observationIndex) : undefined, generation);
  }

  private setCrop(t: TrajectoryView, made: ObservationView | undefined, generation: number): void {
    const section = this.cropSizes.parentElement;
    if (section) section.hidden = made === undefined;
    if (!made) return;
    const name = sourceName(made.index);
    this.cropSizes.textContent = `${name}: ${formatSize(made.size)} → model ${formatSize(made.modelSize)}, ${formatCount(made.modelTokens)} tokens`;
    const rect = made.rectInOriginal.join(',');
    const modelContent = { space: made.modelSize, boxes: [], caption: [`model input ${formatSize(made.modelSize)}`] };
    const cropContent = { space: made.size, boxes: [], caption: [`${name} ${formatSize(made.size)} (what observation_${made.index} coordinates refer to)`] };
    this.modelFigure.set({ ...modelContent, image: null });
    this.cropFigure.set({ ...cropContent, image: null });
    void this.image({ line: t.line, kind: 'model', observation: made.index }, `model:${t.line}:${made.index}:${rect}`).then((image) => {
      if (generation === this.generation) this.modelFigure.set({ ...modelContent, image });
    });
    void this.image({ line: t.line, kind: 'crop', observation: made.index }, `crop:${t.line}:${made.index}:${rect}`).then((image) => {
      if (generation === this.generation) this.cropFigure.set({ ...cropContent, image });
    });
  }
}
