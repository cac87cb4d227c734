import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostRequests, RowSummary, TrajectoryView } from '../../../src/protocol';
import { applyEdit, turnDiff } from '../../../src/core/edit';
import { compareTrajectories } from '../../../src/core/agreement/compare';
import type { ValidRecord } from '../../../src/core/store';
import type { Trajectory } from '../../../src/core/trajectory/schema';
import { REPO_ROOT } from '../build-once';
import type { ImageMaker } from './images';
import type { RowQueryEngine } from './row-query';

type Handler<K extends keyof HostRequests> = (params: HostRequests[K]['params']) => Promise<HostRequests[K]['result']> | HostRequests[K]['result'];

/** What the edit requests need from the stand-in's store. */
export interface EditableStore {
  record(line: number): Promise<ValidRecord>;
  view(line: number): Promise<TrajectoryView>;
  /** Keeps the edited trajectory in memory (as the host's document does) and re-indexes its row. */
  replace(line: number, trajectory: Trajectory): Promise<RowSummary>;
  originalPath(record: ValidRecord): string | Error;
  readonly queries: RowQueryEngine;
  readonly images: ImageMaker;
  /** Labels configured for this test (null: the manifest's default). */
  readonly labels: string[] | null;
}

/** The label set a fresh VS Code gets: the default of `miniO3.reviewLabels` in package.json. */
export function defaultLabelSet(): string[] {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, { default?: unknown }> } | { properties: Record<string, { default?: unknown }> }[] };
  };
  const configuration = manifest.contributes.configuration;
  const sections = Array.isArray(configuration) ? configuration : [configuration];
  const labels = sections.map((s) => s.properties['miniO3.reviewLabels']?.default).find(Array.isArray);
  if (!labels) throw new Error('package.json has no default for miniO3.reviewLabels');
  return labels.filter((l): l is string => typeof l === 'string');
}

/** Names of the image a box is relative to, as Mini-o3 writes them. */
function observationIndexOf(source: string): number {
  if (source === 'original_image') return 0;
  const m = /^observation_(\d+)$/.exec(source);
  if (!m) throw new Error(`unknown source "${source}"`);
  return Number(m[1]);
}

/**
 * The issue-4 requests answered the way the host does: edits through the real core edit model
 * (`applyEdit`), kept in memory; the review queue over the same row query the list uses.
 */
export function editRequestHandlers(store: EditableStore, author: string): { [K in 'applyEdit' | 'previewCrop' | 'reviewQueue' | 'getLabelSet' | 'regenerateFromTurn' | 'turnDiff' | 'compare']: Handler<K> } & { regenerated: { line: number; turn: number }[] } {
  const regenerated: { line: number; turn: number }[] = [];
  return {
    regenerated,
    applyEdit: async ({ line, op }) => {
      const record = await store.record(line);
      const before = await store.view(line);
      const original = before.observations.find((o) => o.index === 0);
      if (!original) throw new Error(`line ${line}: the original image could not be read, so the edit cannot be checked`);
      const result = applyEdit(record.trajectory, op, { author: { name: author, at: new Date().toISOString() }, originalSize: original.size });
      const summary = await store.replace(line, result.trajectory);
      return { view: await store.view(line), summary };
    },
    previewCrop: async ({ line, bbox, source }) => {
      const record = await store.record(line);
      const view = await store.view(line);
      const observation = view.observations.find((o) => o.index === observationIndexOf(source));
      if (!observation) throw new Error(`line ${line} has no ${source}`);
      const [ox, oy] = observation.rectInOriginal;
      const { width, height } = observation.size;
      const rect: [number, number, number, number] = [
        Math.floor(ox + bbox[0] * width),
        Math.floor(oy + bbox[1] * height),
        Math.ceil(ox + bbox[2] * width),
        Math.ceil(oy + bbox[3] * height),
      ];
      return store.images.makeRect(store.originalPath(record), rect);
    },
    reviewQueue: ({ filter, sort }) => {
      const { rows } = store.queries.query({ filter, sort, offset: 0, limit: Number.MAX_SAFE_INTEGER });
      const valid = rows.filter((r): r is RowSummary => !r.broken);
      return { lines: valid.map((r) => r.line), reviewed: valid.filter((r) => r.reviewStatus !== 'unreviewed').length };
    },
    getLabelSet: () => ({ labels: store.labels ?? defaultLabelSet() }),
    compare: async ({ a, b }) => {
      const [ra, rb, va, vb] = await Promise.all([store.record(a), store.record(b), store.view(a), store.view(b)]);
      const original = va.observations.find((o) => o.index === 0);
      return { a: va, b: vb, rows: compareTrajectories(ra.trajectory, rb.trajectory, va.task.id === vb.task.id ? (original?.size ?? null) : null) };
    },
    turnDiff: async ({ line, turn }) => {
      const record = await store.record(line);
      const original = (await store.view(line)).observations.find((o) => o.index === 0);
      return turnDiff(record.trajectory, turn, original?.size ?? null);
    },
    regenerateFromTurn: ({ line, turn }) => {
      regenerated.push({ line, turn });
      return null;
    },
  };
}
