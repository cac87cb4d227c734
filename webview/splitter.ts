import { h } from './dom';

const MIN_WIDTH = 180;

/**
 * A vertical drag handle that resizes the pane beside it (`pane` is on the handle's left when
 * `side` is 'left', on its right otherwise). Widths are set through the CSSOM.
 */
export function splitter(pane: HTMLElement, side: 'left' | 'right', label: string): HTMLElement {
  const handle = h('div', { className: 'splitter', title: label, attrs: { role: 'separator', 'aria-orientation': 'vertical', 'aria-label': label, tabindex: 0 } });
  let startX = 0;
  let startWidth = 0;
  const resize = (width: number) => {
    const max = Math.max(MIN_WIDTH, window.innerWidth * 0.6);
    pane.style.width = `${Math.round(Math.min(max, Math.max(MIN_WIDTH, width)))}px`;
  };
  const onMove = (event: PointerEvent) => {
    const dx = event.clientX - startX;
    resize(side === 'left' ? startWidth + dx : startWidth - dx);
  };
  handle.addEventListener('pointerdown', (event) => {
    startX = event.clientX;
    startWidth = pane.getBoundingClientRect().width;
    handle.setPointerCapture(event.pointerId);
    handle.addEventListener('pointermove', onMove);
    handle.classList.add('dragging');
  });
  handle.addEventListener('pointerup', (event) => {
    handle.releasePointerCapture(event.pointerId);
    handle.removeEventListener('pointermove', onMove);
    handle.classList.remove('dragging');
  });
  handle.addEventListener('keydown', (event) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    event.preventDefault();
    event.stopPropagation();
    const grow = (event.key === 'ArrowRight') === (side === 'left');
    resize(pane.getBoundingClientRect().width + (grow ? 24 : -24));
  });
  return handle;
}
