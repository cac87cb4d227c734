/**
 * Small DOM builders. Every piece of model or dataset text goes in through `textContent`
 * (via the `text` option or string children), never through HTML parsing.
 */

type Child = Node | string | null | undefined | false;

export interface ElementOptions {
  className?: string;
  text?: string;
  title?: string;
  attrs?: Record<string, string | number | boolean | null | undefined>;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

function applyOptions(el: Element, options: ElementOptions, children: Child[]): void {
  if (options.className) el.setAttribute('class', options.className);
  if (options.title !== undefined) el.setAttribute('title', options.title);
  for (const [name, value] of Object.entries(options.attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  if (options.text !== undefined) el.textContent = options.text;
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** An HTML element; string children become text nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: ElementOptions = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  applyOptions(el, options, children);
  return el;
}

/** An SVG element; string children become text nodes. */
export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  options: ElementOptions = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  applyOptions(el, options, children);
  return el;
}

/** A codicon (`<span class="codicon codicon-NAME">`), hidden from screen readers. */
export function icon(name: string, extraClass = ''): HTMLSpanElement {
  return h('span', { className: `codicon codicon-${name}${extraClass ? ` ${extraClass}` : ''}`, attrs: { 'aria-hidden': 'true' } });
}

/** A VS Code toolbar-style icon button. */
export function iconButton(iconName: string, label: string, onClick: () => void, className = ''): HTMLButtonElement {
  const button = h('button', { className: `icon-button${className ? ` ${className}` : ''}`, title: label, attrs: { type: 'button', 'aria-label': label } }, icon(iconName));
  button.addEventListener('click', onClick);
  return button;
}

export function clear(el: Element): void {
  el.replaceChildren();
}

/** Sets or removes a class without touching the others. */
export function toggleClass(el: Element, name: string, on: boolean): void {
  el.classList.toggle(name, on);
}

const IMAGE_URI_SCHEMES = ['https:', 'http:', 'blob:', 'vscode-resource:', 'vscode-webview-resource:', 'vscode-webview:', 'vscode-file:'];

/** Image URIs come from the host; anything that is not a plain resource URL is refused anyway. */
export function isSafeImageUri(uri: string): boolean {
  if (/^data:image\/(png|jpeg|webp|gif);/i.test(uri)) return true;
  try {
    return IMAGE_URI_SCHEMES.includes(new URL(uri, document.baseURI).protocol);
  } catch {
    return false;
  }
}
