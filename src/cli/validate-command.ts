import { stat } from 'node:fs/promises';
import { TrajectoryFile } from '../core/store';
import { formatFinding, type Finding } from '../core/trajectory/findings';
import { analyzeRecord, ImageSizeLookup } from '../core/analysis/analyze-record';
import { Progress, UsageError } from './progress';

export interface ValidateOptions {
  json?: boolean;
  warnings?: boolean;
  quiet?: boolean;
  imageRoot?: string[];
}

/** Prints findings; resolves to the exit code: 0 all valid, 1 not, 2 unusable input. */
export async function validateCommand(file: string, options: ValidateOptions): Promise<number> {
  await assertReadableFile(file);
  const store = await TrajectoryFile.openStreaming(file);
  const progress = new Progress(`validating ${file}`, options.quiet);
  const sizes = new ImageSizeLookup();
  let errors = 0;
  let warnings = 0;
  let trajectories = 0;
  let invalid = 0;
  const all: Finding[] = [];
  try {
    for await (const record of store.records()) {
      const analyzed = await analyzeRecord(record, file, sizes, { imageRoots: options.imageRoot });
      if (analyzed.summary) {
        trajectories++;
        if (analyzed.summary.status !== 'valid') invalid++;
      }
      for (const f of analyzed.findings) {
        if (f.severity === 'error') errors++;
        else warnings++;
        if (options.json) all.push(f);
        else if (f.severity === 'error' || options.warnings) console.log(formatFinding({ ...f, message: `${f.severity}: ${f.message}` }));
      }
      progress.update(record.line, store.indexing ? null : store.lineCount, 'lines');
    }
    await store.ready;
  } finally {
    progress.done();
    await store.close();
  }
  for (const note of store.notes) {
    if (options.json) all.push(note);
    else console.log(formatFinding(note));
  }
  if (store.lineCount === 0) throw new UsageError(`${file}: the file is empty: no trajectories to validate`);
  if (options.json) {
    console.log(JSON.stringify({ file, trajectories, invalid, errors, warnings, findings: all }, null, 2));
  } else {
    const broken = store.lineCount - trajectories;
    console.log(
      `${file}: ${trajectories} trajectories, ${invalid} not valid, ${broken} unreadable line${broken === 1 ? '' : 's'}; ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}${options.warnings ? '' : ' (--warnings to list them)'}`,
    );
  }
  return errors === 0 && invalid === 0 ? 0 : 1;
}

export async function assertReadableFile(file: string): Promise<void> {
  let info;
  try {
    info = await stat(file);
  } catch (e) {
    throw new UsageError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  if (info.isDirectory()) throw new UsageError(`${file}: is a directory, expected a .traj.jsonl file`);
}
