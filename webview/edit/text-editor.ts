import { h } from '../dom';

export interface TextEditorOptions {
  title: string;
  initial: string;
  /** Returns true when the host took the text (the editor then closes). */
  apply(text: string): Promise<boolean>;
  cancel(): void;
  /** Called on every keystroke so the owner can keep the draft across re-renders. */
  draftChanged(text: string): void;
}

/**
 * A textarea with Apply and Cancel: Ctrl+Enter (Cmd+Enter) applies, Escape cancels. Keys typed
 * here never reach the window shortcuts. On failure the text stays as typed.
 */
export function renderTextEditor(options: TextEditorOptions): { element: HTMLElement; focus(): void } {
  const area = h('textarea', { className: 'edit-textarea', attrs: { 'aria-label': options.title, spellcheck: 'false', rows: 8 } });
  area.value = options.initial;
  const status = h('span', { className: 'edit-status muted', attrs: { 'aria-live': 'polite' } });
  const applyButton = h('button', { className: 'text-button primary', text: 'Apply', title: 'Apply (Ctrl+Enter)', attrs: { type: 'button' } });
  const cancelButton = h('button', { className: 'text-button', text: 'Cancel', title: 'Cancel (Esc)', attrs: { type: 'button' } });
  let busy = false;
  const apply = async () => {
    if (busy) return;
    busy = true;
    applyButton.disabled = true;
    status.textContent = 'Applying…';
    const ok = await options.apply(area.value);
    busy = false;
    applyButton.disabled = false;
    status.textContent = ok ? '' : 'Not applied: your text is kept here.';
  };
  applyButton.addEventListener('click', () => void apply());
  cancelButton.addEventListener('click', () => options.cancel());
  area.addEventListener('input', () => options.draftChanged(area.value));
  area.addEventListener('keydown', (event) => {
    event.stopPropagation();
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void apply();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      options.cancel();
    }
  });
  const element = h(
    'div',
    { className: 'text-editor' },
    h('div', { className: 'editor-title', text: options.title }),
    area,
    h('div', { className: 'editor-actions' }, applyButton, cancelButton, h('span', { className: 'muted', text: 'Ctrl+Enter to apply, Esc to cancel' }), status),
  );
  return {
    element,
    focus: () => {
      area.focus();
      area.setSelectionRange(area.value.length, area.value.length);
    },
  };
}

/** A button that asks once more inline before it acts (no modal dialogs in a webview). */
export function confirmButton(label: string, confirmLabel: string, onConfirm: () => void, className = ''): HTMLElement {
  const wrapper = h('span', { className: 'confirm-button' });
  const first = h('button', { className: `text-button ${className}`, text: label, attrs: { type: 'button' } });
  const yes = h('button', { className: 'text-button danger', text: confirmLabel, attrs: { type: 'button' } });
  const no = h('button', { className: 'text-button', text: 'Keep', attrs: { type: 'button' } });
  const ask = h('span', { className: 'confirm-ask', attrs: { hidden: true } }, yes, no);
  first.addEventListener('click', () => {
    first.hidden = true;
    ask.hidden = false;
    no.focus();
  });
  no.addEventListener('click', () => {
    ask.hidden = true;
    first.hidden = false;
  });
  yes.addEventListener('click', () => {
    ask.hidden = true;
    first.hidden = false;
    onConfirm();
  });
  wrapper.append(first, ask);
  return wrapper;
}
