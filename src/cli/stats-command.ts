import { TrajectoryFile } from '../core/store';
import { analyzeRecord, ImageSizeLookup } from '../core/analysis/analyze-record';
import { addToStats, emptyStats, formatStats, statsToJson } from '../core/analysis/dataset-stats';
import { Progress, UsageError } from './progress';
import { assertReadableFile } from './validate-command';

export async function statsCommand(file: string, options: { json?: boolean; quiet?: boolean; imageRoot?: string[] }): Promise<number> {
  await assertReadableFile(file);
  const store = await TrajectoryFile.openStreaming(file);
  const progress = new Progress(`reading ${file}`, options.quiet);
  const sizes = new ImageSizeLookup();
  const stats = emptyStats();
  try {
    for await (const record of store.records()) {
      const { summary } = await analyzeRecord(record, file, sizes, { imageRoots: options.imageRoot });
      if (summary) addToStats(stats, summary);
      else if (!(record.ok === false && record.blank)) stats.brokenLines++;
      progress.update(record.line, store.indexing ? null : store.lineCount, 'lines');
    }
    await store.ready;
  } finally {
    progress.done();
    await store.close();
  }
  if (store.lineCount === 0) throw new UsageError(`${file}: the file is empty`);
  console.log(options.json ? JSON.stringify(statsToJson(stats), null, 2) : formatStats(stats));
  return 0;
}
