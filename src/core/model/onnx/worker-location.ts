import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * Where the worker's code is. Bundled (dist/cli.js, dist/extension.js): `dist/onnx-worker.js`
 * beside the bundle. From sources under tsx (tests, benches): `worker.ts` beside this file,
 * loaded through tsx's CommonJS hook, because `--import tsx` does not reach worker threads
 * on Node 20.
 */
export interface WorkerEntry {
  filename: string;
  execArgv: string[];
}

export const BUNDLED_WORKER_FILE = 'onnx-worker.js';

export function defaultWorkerEntry(): WorkerEntry {
  if (__filename.endsWith('.ts')) {
    // createRequire keeps bundlers from trying to resolve tsx, which only exists in development.
    const tsxHook = createRequire(__filename).resolve('tsx/cjs');
    return { filename: path.join(__dirname, 'worker.ts'), execArgv: ['--require', tsxHook] };
  }
  const filename = path.join(__dirname, BUNDLED_WORKER_FILE);
  if (!fs.existsSync(filename)) {
    throw new Error(`the onnx worker ${filename} is missing: the build (npm run build) writes it beside ${path.basename(__filename)}`);
  }
  return { filename, execArgv: [] };
}
