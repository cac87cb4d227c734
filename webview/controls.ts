/**
 * Form controls from @vscode-elements/elements (lit web components). They style themselves
 * through constructable stylesheets (adoptedStyleSheets) and set dynamic styles through the
 * CSSOM, so they work under the webview's `style-src ${cspSource}` without 'unsafe-inline'.
 */
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';
import type { VscodeCheckbox } from '@vscode-elements/elements/dist/vscode-checkbox/vscode-checkbox.js';
import { h } from './dom';

export type { VscodeTextfield, VscodeSingleSelect, VscodeButton, VscodeCheckbox };

export function textField(options: { placeholder: string; label: string; type?: 'text' | 'number'; className?: string; value?: string }): VscodeTextfield {
  const field = document.createElement('vscode-textfield');
  field.placeholder = options.placeholder;
  field.setAttribute('aria-label', options.label);
  field.title = options.label;
  if (options.type) field.type = options.type;
  if (options.className) field.className = options.className;
  if (options.value) field.value = options.value;
  return field;
}

export interface SelectOption {
  value: string;
  label: string;
}

export function singleSelect(label: string, options: readonly SelectOption[], selected: string, className = ''): VscodeSingleSelect {
  const select = document.createElement('vscode-single-select');
  select.setAttribute('aria-label', label);
  select.title = label;
  if (className) select.className = className;
  setSelectOptions(select, options, selected);
  return select;
}

/** Replaces the options; the selected one is marked on the option so it holds before the element upgrades. */
export function setSelectOptions(select: VscodeSingleSelect, options: readonly SelectOption[], selected: string): void {
  select.replaceChildren(
    ...options.map((option) => {
      const el = document.createElement('vscode-option');
      el.value = option.value;
      el.textContent = option.label;
      if (option.value === selected) el.setAttribute('selected', '');
      return el;
    }),
  );
  select.value = selected;
}

export function textButton(label: string, onClick: () => void, secondary = true): VscodeButton {
  const button = document.createElement('vscode-button');
  button.textContent = label;
  button.secondary = secondary;
  button.addEventListener('click', onClick);
  return button;
}

export function checkbox(label: string, checked: boolean, onChange: (checked: boolean) => void): VscodeCheckbox {
  const box = document.createElement('vscode-checkbox');
  box.label = label;
  box.checked = checked;
  box.addEventListener('change', () => onChange(box.checked));
  return box;
}

/** A labelled group of controls. */
export function field(label: string, control: HTMLElement, className = ''): HTMLElement {
  return h('label', { className: `field ${className}` }, h('span', { className: 'field-label', text: label }), control);
}
