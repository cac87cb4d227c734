import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { IMPORT_FORMATS, importDataset, type ImportFormat } from '../core/formats';
import { formatFinding } from '../core/trajectory/findings';
import { interruptSignal, Progress, UsageError } from './progress';

export { IMPORT_FORMATS };

export interface ImportCommandOptions {
  format: ImportFormat;
  in: string;
  out: string;
  imageBase?: string;
  quiet?: boolean;
}

/** Exit 0 when everything imported cleanly, 1 when some records were skipped or flagged, 2 when nothing could be read. */
export async function importCommand(o: ImportCommandOptions): Promise<number> {
  try {
    await stat(o.in);
  } catch {
    throw new UsageError(`${o.in}: no such file or folder`);
  }
  const progress = new Progress(`importing ${o.in}`, o.quiet);
  let result;
  try {
    result = await importDataset(o.format, resolve(o.in), {
      outFile: resolve(o.out),
      imageBase: o.imageBase ? resolve(o.imageBase) : undefined,
      signal: interruptSignal(),
      onProgress: (p) => progress.update(p.done, p.total || null, 'records'),
    });
  } finally {
    progress.done();
  }
  for (const f of result.findings) console.log(formatFinding({ ...f, message: `${f.severity}: ${f.message}` }));
  const errors = result.findings.filter((f) => f.severity === 'error').length;
  console.log(`imported ${result.written} trajectories into ${result.outFile}; ${errors} errors, ${result.findings.length - errors} warnings`);
  const outside = new Set<string>();
  for (const t of result.trajectories) {
    for (const image of t.task.images) if (image.startsWith('..')) outside.add(dirname(resolve(dirname(result.outFile), image)));
  }
  if (outside.size > 0) {
    const roots = [...outside].slice(0, 3).map((d) => `--image-root ${d}`).join(' ');
    console.log(`note: images live outside ${dirname(result.outFile)}; pass ${roots}${outside.size > 3 ? ' …' : ''} to validate, stats and export, or write the output inside the dataset folder`);
  }
  if (result.written === 0 && errors > 0) return 2;
  return result.findings.length === 0 ? 0 : 1;
}
