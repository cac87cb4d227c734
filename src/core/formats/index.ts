import path from 'node:path';
import type { Trajectory } from '../trajectory/schema';
import type { Finding } from '../trajectory/findings';
import { writeTrajectoryFile } from '../store';
import { ImportContext, type ImportFormat, type ImportOptions } from './import-common';
import { importMiniO3Run } from './import-minio3-run';
import { importLlamaFactory } from './import-llamafactory';
import { importSwift } from './import-swift';
import { importDeepEyes } from './import-deepeyes';
import { importVisualProbe } from './import-visualprobe';

export { IMPORT_FORMATS, ImportContext, type ImportFormat, type ImportOptions, type ImportProgress } from './import-common';
export { importMiniO3Run, problemFromPrompt } from './import-minio3-run';
export { importLlamaFactory, SHAREGPT_DEFAULTS } from './import-llamafactory';
export { importSwift } from './import-swift';
export { importDeepEyes } from './import-deepeyes';
export { importVisualProbe } from './import-visualprobe';

export interface ImportResult {
  trajectories: Trajectory[];
  /** Lines written to `outFile` (one per trajectory). */
  written: number;
  outFile: string;
  findings: Finding[];
}

const IMPORTERS: Record<ImportFormat, (inPath: string, ctx: ImportContext) => Promise<Trajectory[]>> = {
  'minio3-run': importMiniO3Run,
  llamafactory: importLlamaFactory,
  swift: importSwift,
  deepeyes: importDeepEyes,
  visualprobe: importVisualProbe,
};

/**
 * Reads a dataset in one of the supported formats and writes native trajectories to
 * `options.outFile` (atomically, one JSON line each; image paths relative to its folder).
 * Bad records are skipped with findings; the output is written only when the import finishes,
 * so a cancelled import (signal) leaves no partial file.
 */
export async function importDataset(format: ImportFormat, inPath: string, options: ImportOptions): Promise<ImportResult> {
  const importer = IMPORTERS[format];
  if (!importer) throw new Error(`unknown import format ${JSON.stringify(format)}`);
  const ctx = new ImportContext(format, options);
  const trajectories = await importer(inPath, ctx);
  ctx.checkAborted();
  const outFile = path.resolve(options.outFile);
  await writeTrajectoryFile(outFile, trajectories);
  return { trajectories, written: trajectories.length, outFile, findings: ctx.findings };
}
