/**
 * A process that saves a trajectory file the way the extension host does, for the test that
 * kills it in the middle of the save (test/unit/store/kill-during-save.test.ts).
 * Usage: node --import tsx save-trajectory-child.ts FILE CHANGES_JSON
 * CHANGES_JSON holds `{ "<0-based line index>": <new JSON value>, ... }`. Prints `indexed` when the
 * file is open and the save starts, `saved <bytes>` when it has returned.
 */
import fs from 'node:fs';
import { saveTrajectoryFile, TrajectoryFile } from '../../src/core/store';

async function main(): Promise<void> {
  const [file, changesPath] = process.argv.slice(2);
  if (!file || !changesPath) throw new Error('usage: save-trajectory-child.ts FILE CHANGES_JSON');
  const raw = JSON.parse(fs.readFileSync(changesPath, 'utf8')) as Record<string, unknown>;
  const changes = new Map(Object.entries(raw).map(([index, value]) => [Number(index), value] as const));
  const store = await TrajectoryFile.open(file);
  process.stdout.write('indexed\n');
  const result = await saveTrajectoryFile(store, changes);
  process.stdout.write(`saved ${result.bytes}\n`);
  await store.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
