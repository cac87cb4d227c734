import type { Row, RowCounts, RowFilter, RowSummary, SortKey } from '../../src/protocol';
import type { WebviewRpc } from '../rpc-client';

export const PAGE_SIZE = 100;
/** Pages kept; beyond this the pages farthest from the view are dropped (the file may have millions of rows). */
const MAX_CACHED_PAGES = 40;

interface Page {
  rows: Row[];
  /** The content generation it was fetched in; older pages are shown but re-fetched. */
  generation: number;
}

export interface RowQueryState {
  filter: RowFilter;
  sort: { key: SortKey; descending: boolean };
}

/**
 * The rows of the list as pages of `queryRows` results: only pages near what is on screen
 * are fetched. A new filter or sort drops every page; a content change (`rowsChanged`) keeps
 * the old pages on screen until their fresh copies arrive, so the list does not flicker.
 */
export class RowSource {
  private pages = new Map<number, Page>();
  private inFlight = new Map<number, number>();
  private generation = 0;
  /** Bumped by a new filter or sort; answers to older queries are dropped. */
  private queryVersion = 0;
  private countsInfo: { counts: RowCounts; indexing: boolean; generation: number } | null = null;

  constructor(
    private readonly rpc: WebviewRpc,
    private query: RowQueryState,
    private readonly onChange: () => void,
    private readonly onError: (message: string) => void,
  ) {}

  get counts(): RowCounts | null {
    return this.countsInfo?.counts ?? null;
  }

  get indexing(): boolean {
    return this.countsInfo?.indexing ?? true;
  }

  /** Rows matching the filter, or null before the first answer. */
  get length(): number | null {
    return this.countsInfo ? this.countsInfo.counts.matching : null;
  }

  get currentQuery(): RowQueryState {
    return this.query;
  }

  setQuery(query: RowQueryState): void {
    this.query = query;
    this.queryVersion++;
    this.generation++;
    this.pages.clear();
    this.inFlight.clear();
    this.countsInfo = null;
  }

  /** The file changed: keep showing what we have, re-fetch what is needed. */
  invalidate(): void {
    this.generation++;
  }

  rowAt(index: number): Row | undefined {
    return this.pages.get(Math.floor(index / PAGE_SIZE))?.rows[index % PAGE_SIZE];
  }

  /** The position of a line among the cached rows, or null. */
  indexOfLine(line: number): number | null {
    for (const [page, { rows }] of this.pages) {
      const at = rows.findIndex((r) => r.line === line);
      if (at >= 0) return page * PAGE_SIZE + at;
    }
    return null;
  }

  /** Replaces a cached row with a fresher summary (a live append changed it). */
  patchRow(summary: RowSummary): boolean {
    let patched = false;
    for (const page of this.pages.values()) {
      const at = page.rows.findIndex((r) => r.line === summary.line);
      if (at >= 0) {
        page.rows[at] = summary;
        patched = true;
      }
    }
    return patched;
  }

  /** Fetches the pages covering rows [from, to) that are missing or stale. */
  ensure(from: number, to: number): void {
    const last = this.length === null ? 0 : Math.max(0, Math.ceil(Math.min(to, this.length) / PAGE_SIZE) - 1);
    const first = Math.max(0, Math.floor(from / PAGE_SIZE));
    this.evictAround(first, last);
    for (let page = first; page <= last; page++) {
      const have = this.pages.get(page);
      if (have && have.generation === this.generation) continue;
      if (this.inFlight.get(page) === this.generation) continue;
      void this.fetch(page);
    }
  }

  private evictAround(first: number, last: number): void {
    if (this.pages.size <= MAX_CACHED_PAGES) return;
    const distance = (page: number) => (page < first ? first - page : page > last ? page - last : 0);
    const byDistance = [...this.pages.keys()].sort((a, b) => distance(b) - distance(a));
    for (const page of byDistance.slice(0, this.pages.size - MAX_CACHED_PAGES)) this.pages.delete(page);
  }

  /** The row at an index, fetching its page if needed (keyboard moves past what is cached). */
  async rowAtAsync(index: number): Promise<Row | undefined> {
    const cached = this.rowAt(index);
    if (cached) return cached;
    await this.fetch(Math.floor(index / PAGE_SIZE));
    return this.rowAt(index);
  }

  private async fetch(page: number): Promise<void> {
    const version = this.queryVersion;
    const generation = this.generation;
    this.inFlight.set(page, generation);
    try {
      const result = await this.rpc.request('queryRows', {
        filter: this.query.filter,
        sort: this.query.sort,
        offset: page * PAGE_SIZE,
        limit: PAGE_SIZE,
      });
      if (version !== this.queryVersion) return;
      const have = this.pages.get(page);
      if (!have || have.generation <= generation) this.pages.set(page, { rows: result.rows, generation });
      if (!this.countsInfo || this.countsInfo.generation <= generation) {
        this.countsInfo = { counts: result.counts, indexing: result.indexing, generation };
      }
      this.onChange();
    } catch (error) {
      if (version === this.queryVersion) this.onError(error instanceof Error ? error.message : String(error));
    } finally {
      if (this.inFlight.get(page) === generation) this.inFlight.delete(page);
    }
  }
}
