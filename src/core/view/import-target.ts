import path from 'node:path';

export type OpenableImportFormat = 'minio3-run' | 'llamafactory';

export interface ImportTarget {
  /** What the importer reads. */
  inPath: string;
  /** `<input folder>/<name>.traj.jsonl`: inside the dataset, so its image paths stay relative and allowed. */
  outFile: string;
}

const INFO_FILE = 'dataset_info.json';

/**
 * Where "Open Mini-o3 Run Directory…" and "Open LLaMA-Factory Dataset…" write their import:
 * a run folder `runs/exp1` -> `runs/exp1/exp1.traj.jsonl`; a chat file `data/mllm.json` ->
 * `data/mllm.traj.jsonl`; `data/dataset_info.json` -> `data/data.traj.jsonl`.
 */
export function importTarget(format: OpenableImportFormat, picked: string): ImportTarget {
  const inPath = path.resolve(picked);
  if (format === 'minio3-run') return { inPath, outFile: path.join(inPath, `${safeName(path.basename(inPath))}.traj.jsonl`) };
  const folder = path.dirname(inPath);
  const name = path.basename(inPath) === INFO_FILE ? path.basename(folder) : path.basename(inPath).replace(/\.(jsonl|json)$/i, '');
  return { inPath, outFile: path.join(folder, `${safeName(name)}.traj.jsonl`) };
}

function safeName(name: string): string {
  const cleaned = name.replace(/\.traj$/i, '').trim();
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? 'dataset' : cleaned;
}
