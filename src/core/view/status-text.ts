import type { RowCounts } from '../../protocol';

export interface StatusText {
  /** Status-bar text with codicon syntax (`$(list-tree)`). */
  text: string;
  tooltip: string;
}

const number = new Intl.NumberFormat('en-US');

/**
 * The status-bar summary of an open trajectory file: "$(list-tree) 1,204 traj · 61.3% acc ·
 * 87 invalid". "Invalid" counts trajectories whose label is not `valid` plus broken lines;
 * accuracy is over trajectories with an answer key. While indexing, the share read so far.
 */
export function datasetStatusText(counts: RowCounts, indexing: boolean, indexedFraction: number, selection: { line: number | null; turn: number | null } = { line: null, turn: null }): StatusText {
  const trajectories = counts.total - (counts.byStatus.broken ?? 0);
  const invalid = counts.total - (counts.byStatus.valid ?? 0) - (counts.byStatus.unchecked ?? 0);
  const parts = [indexing ? `$(sync~spin) ${number.format(trajectories)} traj (${Math.floor(indexedFraction * 100)}%)` : `$(list-tree) ${number.format(trajectories)} traj`];
  if (counts.withAnswerKey > 0) parts.push(`${((100 * counts.correct) / counts.withAnswerKey).toFixed(1)}% acc`);
  if (invalid > 0) parts.push(`${number.format(invalid)} invalid`);
  if (selection.line !== null) parts.push(selection.turn !== null ? `line ${selection.line}, turn ${selection.turn}` : `line ${selection.line}`);

  const tooltip = [
    indexing ? `Reading the file: ${Math.floor(indexedFraction * 100)}% so far` : 'Mini-o3 trajectories',
    `${number.format(trajectories)} trajectories${counts.byStatus.broken ? `, ${number.format(counts.byStatus.broken)} broken lines` : ''}`,
    counts.withAnswerKey > 0 ? `accuracy ${number.format(counts.correct)}/${number.format(counts.withAnswerKey)} with an answer key` : 'no answer keys',
    Object.entries(counts.byStatus).filter(([, n]) => n > 0).map(([status, n]) => `${status} ${number.format(n)}`).join(' · '),
    'Click for statistics',
  ].join('\n');
  return { text: parts.join(' · '), tooltip };
}
