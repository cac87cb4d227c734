import { resolve } from 'node:path';
import { exportDataset, type ExportFormat } from '../core/export';
import { STATUS_LABELS, type StatusLabel } from '../core/trajectory/schema';
import { interruptSignal, Progress, UsageError } from './progress';
import { assertReadableFile } from './validate-command';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['llamafactory', 'swift', 'openai'];

export interface ExportCommandOptions {
  format: ExportFormat;
  in: string;
  out: string;
  status: 'accepted' | 'any';
  labels?: string;
  dataSource?: string;
  cutoff: number;
  overwrite?: boolean;
  quiet?: boolean;
  imageRoot?: string[];
}

function listOption(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** Exit 0 when every selected sample exported, 1 when some were refused, 2 on unusable input. */
export async function exportCommand(o: ExportCommandOptions): Promise<number> {
  await assertReadableFile(o.in);
  const labels = listOption(o.labels);
  for (const l of labels ?? []) {
    if (!(STATUS_LABELS as readonly string[]).includes(l)) throw new UsageError(`--labels: unknown status label "${l}"; expected ${STATUS_LABELS.join(', ')}`);
  }
  const progress = new Progress(`exporting ${o.in}`, o.quiet);
  let report;
  try {
    report = await exportDataset({
      format: o.format,
      inFile: resolve(o.in),
      outDir: resolve(o.out),
      status: o.status,
      statusLabels: labels as StatusLabel[] | undefined,
      dataSources: listOption(o.dataSource),
      cutoffTokens: o.cutoff,
      overwrite: o.overwrite,
      imageRoots: o.imageRoot?.map((r) => resolve(r)),
      signal: interruptSignal(),
      onProgress: (p) => progress.update(p.linesDone, p.lines || null, `lines, ${p.exported} exported, ${p.refused} refused`),
    });
  } finally {
    progress.done();
  }
  for (const r of report.refused) console.log(`${o.in}:${r.line}: refused ${r.id}: ${r.reason}`);
  for (const b of report.broken) console.log(`${o.in}:${b.line}: unreadable line, not exported`);
  const c = report.counts;
  const skipped = Object.entries(c.skipped).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(', ');
  console.log(
    `exported ${report.exported} of ${c.selected} selected trajectories to ${report.outDir} (${report.files.join(', ')}); ` +
      `${c.refused} refused${skipped ? `; filtered out: ${skipped}` : ''}; ${c.cropImages} images written`,
  );
  return report.refused.length === 0 ? 0 : 1;
}
