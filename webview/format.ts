import type { Box4, ReviewStatus, StatusLabel } from '../src/core/trajectory/schema';

/** Every status label with what the UI calls it and its chart colour (a `--vscode-charts-*` name). */
export const STATUS_INFO: Record<StatusLabel, { label: string; colour: string }> = {
  valid: { label: 'valid', colour: 'green' },
  invalid_format: { label: 'invalid format', colour: 'red' },
  invalid_clip: { label: 'invalid clip', colour: 'orange' },
  over_turn: { label: 'over turn', colour: 'yellow' },
  void: { label: 'void', colour: 'purple' },
};

export const STATUS_LABELS = Object.keys(STATUS_INFO) as StatusLabel[];

export const REVIEW_INFO: Record<ReviewStatus, { label: string; icon: string; colour: string }> = {
  unreviewed: { label: 'unreviewed', icon: 'circle-large-outline', colour: 'muted' },
  accepted: { label: 'accepted', icon: 'pass', colour: 'green' },
  rejected: { label: 'rejected', icon: 'circle-slash', colour: 'red' },
  needs_fix: { label: 'needs fix', icon: 'tools', colour: 'yellow' },
};

export const REVIEW_STATUSES = Object.keys(REVIEW_INFO) as ReviewStatus[];

export function isStatusLabel(value: unknown): value is StatusLabel {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(STATUS_INFO, value);
}

export function isReviewStatus(value: unknown): value is ReviewStatus {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(REVIEW_INFO, value);
}

/** The colour name for a status (null: unchecked, the original image was missing). */
export function statusColour(status: StatusLabel | null): string {
  return status ? STATUS_INFO[status].colour : 'muted';
}

export function statusText(status: StatusLabel | null): string {
  return status ? STATUS_INFO[status].label : 'unchecked';
}

export function correctMark(correct: boolean | null): { mark: string; label: string; colour: string } {
  if (correct === true) return { mark: '✓', label: 'correct', colour: 'green' };
  if (correct === false) return { mark: '✗', label: 'wrong', colour: 'red' };
  return { mark: '–', label: 'no answer key', colour: 'muted' };
}

const numberFormat = new Intl.NumberFormat('en-US');

export function formatCount(n: number): string {
  return numberFormat.format(n);
}

export function formatPercent(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '–';
}

/** The question as one line for the list: `<image>` placeholders dropped, whitespace collapsed. */
export function questionLine(question: string): string {
  return question.replace(/<image>/g, ' ').replace(/\s+/g, ' ').trim();
}

/** `original_image` for 0, `observation_N` otherwise (Mini-o3's source names). */
export function sourceName(index: number): string {
  return index === 0 ? 'original_image' : `observation_${index}`;
}

export function formatBox(box: Box4 | readonly number[]): string {
  return `[${box.map((v) => String(Math.round(v * 1000) / 1000)).join(', ')}]`;
}

export function formatSize(size: { width: number; height: number }): string {
  return `${size.width}×${size.height}`;
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

/** `line N: reason` from a broken row's `file:line: reason`. */
export function brokenRowText(line: number, message: string): string {
  const marker = `:${line}: `;
  const at = message.indexOf(marker);
  const reason = at >= 0 ? message.slice(at + marker.length) : message;
  return `line ${line}: ${reason}`;
}
