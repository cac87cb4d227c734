/**
 * The trajectory editor's webview, as the end-to-end test and the viewer bench find it: roles and
 * ARIA labels the webview sets for accessibility, plus the data-* attributes it renders.
 */
const LIST = '[role="listbox"][aria-label="Trajectories"]';

export const WEBVIEW = {
  list: LIST,
  /** Rows carry `data-line` (1-based line in the file). */
  listRow: `${LIST} [role="option"][data-line]`,
  detailTitle: '.detail-header .detail-id',
  /** Turn buttons carry `data-turn` and `aria-pressed`. */
  turnButton: 'nav[aria-label="Turns"] button',
  reasoning: 'section[aria-label="Reasoning"]',
  thinkText: '.block-think',
  treeSvg: 'svg[aria-label="Search tree"]',
  treeNode: 'svg[aria-label="Search tree"] g[data-node-id]',
} as const;
