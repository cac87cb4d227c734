import type { AgreementReport, Spread } from './agreement';

/** The report as a plain-text table for the terminal. */
export function formatAgreement(r: AgreementReport, names: { a: string; b: string }): string {
  const lines: string[] = [];
  lines.push(`A: ${names.a}`, `B: ${names.b}`);
  lines.push(`matched by id: ${r.matched}   only in A: ${r.onlyInA.length}   only in B: ${r.onlyInB.length}`);
  if (r.onlyInA.length) lines.push(`  only in A: ${preview(r.onlyInA)}`);
  if (r.onlyInB.length) lines.push(`  only in B: ${preview(r.onlyInB)}`);
  if (r.duplicateIds.length) lines.push(`  repeated ids (first one compared): ${preview(r.duplicateIds)}`);
  lines.push('');
  const k = r.review;
  const kappa = k.kappa === null ? `undefined (${k.note})` : k.kappa.toFixed(3);
  lines.push(`review status (Cohen's kappa): ${kappa}   observed agreement ${pct(k.observed)}   chance ${pct(k.expected)}`);
  const width = Math.max(...k.categories.map((c) => c.length), 'A \\ B'.length);
  lines.push(['A \\ B'.padEnd(width), ...k.categories.map((c) => c.padStart(width))].join('  '));
  k.categories.forEach((c, i) => lines.push([c.padEnd(width), ...k.matrix[i]!.map((v) => String(v).padStart(width))].join('  ')));
  lines.push('');
  lines.push(['metric (turns both edited)', 'count', 'mean', 'median'].map((s, i) => (i === 0 ? s.padEnd(34) : s.padStart(8))).join(''));
  lines.push(row('box IoU (original pixels)', r.boxIoU, 3));
  lines.push(row('text edit distance (chars)', r.textDistance, 1));
  lines.push(row('text edit distance (normalized)', r.textDistanceNormalized, 3));
  if (r.boxesUnmeasured) lines.push(`${r.boxesUnmeasured} turn(s) both edited have no IoU: not both crops, or the image size is unknown`);
  if (r.textDistanceCapped) lines.push('some texts were longer than the distance cap: those distances are upper bounds');
  return lines.join('\n');
}

function row(name: string, s: Spread, digits: number): string {
  const f = (v: number | null) => (v === null ? '-' : v.toFixed(digits));
  return name.padEnd(34) + [String(s.count), f(s.mean), f(s.median)].map((v) => v.padStart(8)).join('');
}

function pct(v: number): string {
  return `${(100 * v).toFixed(1)}%`;
}

function preview(ids: string[]): string {
  return ids.length > 5 ? `${ids.slice(0, 5).join(', ')} … (+${ids.length - 5})` : ids.join(', ');
}
