import { h, iconButton } from './dom';

export interface ShortcutActions {
  nextRow(): void;
  previousRow(): void;
  nextTurn(): void;
  previousTurn(): void;
  focusNode(): void;
  /** Returns true when it cleared something (so the key is consumed). */
  escape(): boolean;
  toggleHelp(): void;
  zoomIn(): void;
  zoomOut(): void;
  fit(): void;
  focusSearch(): void;
  toggleCharts(): void;
  /** Edit the selected turn's text. */
  editText?(): void;
  /** Focus the selected turn's box for keyboard nudging. */
  editBox?(): void;
}

export const SHORTCUTS: readonly { keys: string[]; description: string }[] = [
  { keys: ['↓', 'j'], description: 'next trajectory' },
  { keys: ['↑', 'k'], description: 'previous trajectory' },
  { keys: [']'], description: 'next turn' },
  { keys: ['['], description: 'previous turn' },
  { keys: ['Enter'], description: 'zoom the tree to the selected turn' },
  { keys: ['Esc'], description: 'undo that zoom, close this help' },
  { keys: ['+', '-'], description: 'zoom the tree in / out' },
  { keys: ['f'], description: 'fit the whole tree' },
  { keys: ['/'], description: 'search trajectories' },
  { keys: ['c'], description: 'charts / tree' },
  { keys: ['e'], description: 'edit the turn\'s text (Ctrl+Enter applies, Esc cancels)' },
  { keys: ['b'], description: 'edit the turn\'s box: arrows move 1%, shift+arrows resize, Enter applies' },
  { keys: ['?'], description: 'show or hide these shortcuts' },
  { keys: ['←', '→'], description: 'review queue: previous / next item' },
  { keys: ['a', 'r', 'f'], description: 'review queue: accept / reject / needs fix, then next' },
  { keys: ['1', '…', '9'], description: 'review queue: toggle label' },
];

/** Elements that take typed keys themselves: shortcuts stay out of their way. */
const TYPING_TAGS = new Set(['INPUT', 'TEXTAREA', 'SELECT', 'VSCODE-TEXTFIELD', 'VSCODE-TEXTAREA', 'VSCODE-SINGLE-SELECT', 'VSCODE-MULTI-SELECT']);
/** Elements where Enter and Space mean "activate". */
const ACTIVATING_TAGS = new Set(['BUTTON', 'A', 'VSCODE-BUTTON', 'VSCODE-CHECKBOX', 'VSCODE-OPTION']);

function pathElements(event: KeyboardEvent): Element[] {
  return event.composedPath().filter((t): t is Element => t instanceof Element);
}

export function isTypingTarget(event: KeyboardEvent): boolean {
  return pathElements(event).some((el) => TYPING_TAGS.has(el.tagName) || (el instanceof HTMLElement && el.isContentEditable));
}

function isActivatingTarget(event: KeyboardEvent): boolean {
  return pathElements(event).some((el) => ACTIVATING_TAGS.has(el.tagName) || el.getAttribute('role') === 'button');
}

/** Window-level shortcuts; returns a function that removes them. */
export function installShortcuts(actions: ShortcutActions): () => void {
  const onKey = (event: KeyboardEvent) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTypingTarget(event)) return;
    let handled = true;
    switch (event.key) {
      case 'ArrowDown':
      case 'j':
        actions.nextRow();
        break;
      case 'ArrowUp':
      case 'k':
        actions.previousRow();
        break;
      case ']':
        actions.nextTurn();
        break;
      case '[':
        actions.previousTurn();
        break;
      case 'Enter':
        if (isActivatingTarget(event)) return;
        actions.focusNode();
        break;
      case 'Escape':
        handled = actions.escape();
        break;
      case '?':
        actions.toggleHelp();
        break;
      case '+':
      case '=':
        actions.zoomIn();
        break;
      case '-':
        actions.zoomOut();
        break;
      case 'f':
        actions.fit();
        break;
      case '/':
        actions.focusSearch();
        break;
      case 'c':
        actions.toggleCharts();
        break;
      case 'e':
        if (!actions.editText) return;
        actions.editText();
        break;
      case 'b':
        if (!actions.editBox) return;
        actions.editBox();
        break;
      default:
        handled = false;
    }
    if (handled) event.preventDefault();
  };
  window.addEventListener('keydown', onKey);
  return () => window.removeEventListener('keydown', onKey);
}

/** The `?` overlay listing the shortcuts. */
export class ShortcutsOverlay {
  readonly element: HTMLElement;

  constructor() {
    const list = h('dl', { className: 'shortcut-list' });
    for (const shortcut of SHORTCUTS) {
      const keys = h('dt');
      shortcut.keys.forEach((key, i) => {
        if (i > 0) keys.append(' ');
        keys.append(h('kbd', { text: key }));
      });
      list.append(keys, h('dd', { text: shortcut.description }));
    }
    const dialog = h(
      'div',
      { className: 'shortcuts-dialog', attrs: { role: 'dialog', 'aria-modal': 'true', 'aria-label': 'Keyboard shortcuts' } },
      h('div', { className: 'dialog-title' }, h('span', { text: 'Keyboard shortcuts' }), iconButton('close', 'Close (Esc)', () => this.toggle(false))),
      list,
    );
    this.element = h('div', { className: 'shortcuts-overlay', attrs: { hidden: true } }, dialog);
    this.element.addEventListener('click', (event) => {
      if (event.target === this.element) this.toggle(false);
    });
  }

  get open(): boolean {
    return !this.element.hidden;
  }

  toggle(open = !this.open): void {
    this.element.hidden = !open;
  }
}
