import type { EditOp, TrajectoryView, TurnView } from '../../src/protocol';
import { h, icon } from '../dom';
import { sourceName } from '../format';
import type { WebviewRpc } from '../rpc-client';
import { renderTurnDiff } from './diff-view';
import { confirmButton, renderTextEditor } from './text-editor';

type EditorKind = 'text' | 'answer' | 'insert';

interface OpenEditor {
  line: number;
  turn: number;
  kind: EditorKind;
}

export interface TurnToolsHost {
  apply(line: number, op: EditOp): Promise<TrajectoryView | null>;
  focusBox(): void;
  report(message: string): void;
}

function draftKey(e: OpenEditor): string {
  return `${e.line}:${e.turn}:${e.kind}`;
}

/** Names a turn may crop from: the original and the observations made by earlier turns. */
export function sourcesBefore(t: TrajectoryView, turn: number): string[] {
  return ['original_image', ...t.observations.filter((o) => o.index > 0 && o.turn < turn).map((o) => sourceName(o.index))];
}

/**
 * The editing actions of the selected turn: edit its text or the answer, move its box, change
 * its source, insert or delete turns, revert, show the diff, and deal with stale later turns.
 * Drafts live here, keyed by line and turn, so a re-render never drops what was typed.
 */
export class TurnTools {
  readonly element: HTMLElement;
  private readonly bar: HTMLElement;
  private readonly editorSlot: HTMLElement;
  private readonly diffSlot: HTMLElement;
  private readonly drafts = new Map<string, string>();
  private open: OpenEditor | null = null;
  private diffOpen = false;
  private shown: { t: TrajectoryView; turn: TurnView | undefined } | null = null;
  private focusEditor: (() => void) | null = null;
  /** The draft key of the editor in the DOM: a re-render keeps that element (and its focus and caret). */
  private renderedEditor: string | null = null;

  constructor(private readonly rpc: WebviewRpc, private readonly host: TurnToolsHost) {
    this.bar = h('div', { className: 'turn-tools', attrs: { role: 'toolbar', 'aria-label': 'Edit this turn' } });
    this.editorSlot = h('div', { className: 'turn-editor-slot' });
    this.diffSlot = h('div', { className: 'turn-diff-slot' });
    this.element = h('section', { className: 'detail-edit', attrs: { 'aria-label': 'Editing' } }, this.bar, this.editorSlot, this.diffSlot);
  }

  show(t: TrajectoryView, turn: TurnView | undefined): void {
    const changed = !this.shown || this.shown.t.line !== t.line || this.shown.turn?.index !== turn?.index;
    this.shown = { t, turn };
    if (changed) {
      this.diffOpen = false;
      if (this.open && (this.open.line !== t.line || this.open.turn !== (turn?.index ?? -1))) this.open = null;
    }
    this.renderBar();
    this.renderEditor();
    void this.renderDiff();
  }

  /** `e`: edit the selected turn's text. */
  editText(): void {
    if (!this.shown?.turn) return;
    this.openEditor('text');
  }

  editAnswer(): void {
    if (!this.shown) return;
    this.openEditor('answer');
  }

  get editing(): boolean {
    return this.open !== null;
  }

  private openEditor(kind: EditorKind): void {
    const { t, turn } = this.shown!;
    this.open = { line: t.line, turn: kind === 'answer' ? -1 : (turn?.index ?? t.turns.length), kind };
    this.renderEditor();
    this.focusEditor?.();
  }

  private renderBar(): void {
    const { t, turn } = this.shown!;
    const button = (iconName: string, label: string, title: string, onClick: () => void) => {
      const el = h('button', { className: 'text-button', title, attrs: { type: 'button', 'data-action': iconName } }, icon(iconName), h('span', { text: label }));
      el.addEventListener('click', onClick);
      return el;
    };
    const items: HTMLElement[] = [];
    if (turn) {
      items.push(button('edit', 'Edit text', 'Edit this turn\'s text (e)', () => this.openEditor('text')));
      if (turn.pixelBox) items.push(button('screen-full', 'Edit box', 'Move or resize the box (b); arrows move, shift+arrows resize, Enter applies', () => this.host.focusBox()));
      if (turn.grounding) items.push(this.sourceSelect(t, turn));
    }
    items.push(button('comment', 'Edit answer', 'Edit the final answer', () => this.openEditor('answer')));
    items.push(button('add', 'Insert turn', `Insert a turn after turn ${turn?.index ?? 'the last'}`, () => this.openEditor('insert')));
    if (turn) {
      items.push(confirmButton('Delete turn', `Delete turn ${turn.index}`, () => void this.host.apply(t.line, { kind: 'deleteTurn', turn: turn.index })));
      if (turn.edited) {
        items.push(confirmButton('Revert', `Revert turn ${turn.index} to its original`, () => void this.host.apply(t.line, { kind: 'revertTurn', turn: turn.index })));
        const diff = button('diff', this.diffOpen ? 'Hide diff' : 'Diff', 'Original against edited', () => {
          this.diffOpen = !this.diffOpen;
          this.renderBar();
          void this.renderDiff();
        });
        diff.setAttribute('aria-pressed', this.diffOpen ? 'true' : 'false');
        items.push(diff);
      }
      if (turn.stale) items.push(...this.staleActions(t, turn));
    }
    this.bar.replaceChildren(...items);
  }

  private sourceSelect(t: TrajectoryView, turn: TurnView): HTMLElement {
    const select = h('select', { className: 'source-select', title: 'The image this turn crops from', attrs: { 'aria-label': `Source of turn ${turn.index}` } });
    const current = turn.grounding?.source ?? 'original_image';
    const names = sourcesBefore(t, turn.index);
    if (!names.includes(current)) names.push(current);
    for (const name of names) {
      const option = h('option', { text: name, attrs: { value: name } });
      option.selected = name === current;
      select.append(option);
    }
    select.addEventListener('change', () => {
      if (select.value !== current) void this.host.apply(t.line, { kind: 'setSource', turn: turn.index, source: select.value });
    });
    select.addEventListener('keydown', (e) => e.stopPropagation());
    return h('label', { className: 'inline-field' }, h('span', { className: 'muted', text: 'source' }), select);
  }

  private staleActions(t: TrajectoryView, turn: TurnView): HTMLElement[] {
    let keep = turn.index - 1;
    while (keep >= 0 && t.turns[keep]?.stale) keep--;
    const firstStale = keep + 1;
    const badge = h('span', { className: 'chip colour-orange stale-badge', title: 'An earlier turn was edited: this turn\'s image or reasoning may no longer follow' }, icon('warning'), h('span', { text: 'stale' }));
    const items: HTMLElement[] = [badge];
    if (keep >= 0) items.push(confirmButton(`Truncate after turn ${keep}`, `Drop turns ${firstStale}–${t.turns.length - 1}`, () => void this.host.apply(t.line, { kind: 'truncateAfter', turn: keep })));
    const regenerate = h('button', { className: 'text-button', title: 'Run the model again from the first stale turn (Mini-o3: Regenerate from This Turn)', attrs: { type: 'button', 'data-action': 'regenerate' } }, icon('refresh'), h('span', { text: 'Regenerate from here' }));
    regenerate.addEventListener('click', () => {
      this.rpc.request('regenerateFromTurn', { line: t.line, turn: firstStale }).catch((e: unknown) => this.host.report(`Could not regenerate line ${t.line} from turn ${firstStale}: ${e instanceof Error ? e.message : String(e)}`));
    });
    items.push(regenerate);
    return items;
  }

  private renderEditor(): void {
    const o = this.open;
    if (!o || !this.shown) {
      this.focusEditor = null;
      this.renderedEditor = null;
      this.editorSlot.replaceChildren();
      return;
    }
    const { t, turn } = this.shown;
    const key = draftKey(o);
    if (this.renderedEditor === key) return;
    this.renderedEditor = key;
    const initial = this.drafts.get(key) ?? (o.kind === 'text' ? (turn?.text ?? '') : o.kind === 'answer' ? (t.answer ?? '') : '<think>\n\n</think>\n');
    const title = o.kind === 'text' ? `Turn ${o.turn} text` : o.kind === 'answer' ? 'Final answer' : `New turn after turn ${o.turn}`;
    const op = (text: string): EditOp =>
      o.kind === 'text' ? { kind: 'setTurnText', turn: o.turn, text } : o.kind === 'answer' ? { kind: 'setAnswer', text } : { kind: 'insertTurn', at: Math.min(o.turn + 1, t.turns.length), text };
    const editor = renderTextEditor({
      title,
      initial,
      draftChanged: (text) => this.drafts.set(key, text),
      cancel: () => {
        this.drafts.delete(key);
        this.open = null;
        this.renderEditor();
      },
      apply: async (text) => {
        this.drafts.set(key, text);
        const view = await this.host.apply(o.line, op(text));
        if (!view) return false;
        this.drafts.delete(key);
        if (this.open === o) {
          this.open = null;
          this.renderEditor();
        }
        return true;
      },
    });
    this.editorSlot.replaceChildren(editor.element);
    this.focusEditor = editor.focus;
  }

  private async renderDiff(): Promise<void> {
    const shown = this.shown;
    if (!this.diffOpen || !shown?.turn) {
      this.diffSlot.replaceChildren();
      return;
    }
    const { t, turn } = shown;
    this.diffSlot.replaceChildren(h('div', { className: 'muted', text: 'Loading the diff…' }));
    try {
      const diff = await this.rpc.request('turnDiff', { line: t.line, turn: turn.index });
      if (this.shown === shown) this.diffSlot.replaceChildren(renderTurnDiff(diff));
    } catch (error) {
      if (this.shown === shown) this.diffSlot.replaceChildren(h('div', { className: 'edit-error', attrs: { role: 'alert' }, text: `Could not diff turn ${turn.index}: ${error instanceof Error ? error.message : String(error)}` }));
    }
  }
}
