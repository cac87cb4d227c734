import type { RowFilter, SortKey } from '../src/protocol';
import type { HostBridge } from './host-bridge';
import { isReviewStatus, isStatusLabel } from './format';

/** A d3 ZoomTransform as plain numbers. */
export interface ZoomState {
  k: number;
  x: number;
  y: number;
}

export type CentreView = 'tree' | 'charts';

/** What survives the webview being hidden and shown again (VS Code's getState/setState). */
export interface ViewState {
  filter: RowFilter;
  sort: { key: SortKey; descending: boolean };
  scrollTop: number;
  selectedLine: number | null;
  selectedTurn: number | null;
  /** Per task id, most recently used last. */
  zoomByTask: Record<string, ZoomState>;
  centreView: CentreView;
  rawText: boolean;
}

const SORT_KEYS: readonly SortKey[] = ['line', 'id', 'status', 'turns', 'correct', 'review', 'dataSource'];
/** Zoom states kept, so that the state stays small in a file with many tasks. */
const MAX_ZOOM_ENTRIES = 64;

export function defaultViewState(): ViewState {
  return {
    filter: {},
    sort: { key: 'line', descending: false },
    scrollTop: 0,
    selectedLine: null,
    selectedTurn: null,
    zoomByTask: {},
    centreView: 'tree',
    rawText: false,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function finiteOr<T>(value: unknown, fallback: T): number | T {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function wholeOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;
}

function parseFilter(value: unknown): RowFilter {
  if (!isRecord(value)) return {};
  const filter: RowFilter = {};
  if (typeof value.text === 'string' && value.text !== '') filter.text = value.text;
  if (Array.isArray(value.statuses)) {
    filter.statuses = value.statuses.filter((s): s is NonNullable<RowFilter['statuses']>[number] =>
      isStatusLabel(s) || s === 'unchecked' || s === 'broken');
  }
  if (Array.isArray(value.correct)) {
    filter.correct = value.correct.filter((c): c is boolean | null => c === true || c === false || c === null);
  }
  if (Array.isArray(value.reviewStatuses)) filter.reviewStatuses = value.reviewStatuses.filter(isReviewStatus);
  if (Array.isArray(value.dataSources)) filter.dataSources = value.dataSources.filter((d): d is string => typeof d === 'string');
  const minTurns = wholeOrNull(value.minTurns);
  const maxTurns = wholeOrNull(value.maxTurns);
  if (minTurns !== null) filter.minTurns = minTurns;
  if (maxTurns !== null) filter.maxTurns = maxTurns;
  return filter;
}

function parseZoom(value: unknown): ZoomState | null {
  if (!isRecord(value)) return null;
  const k = finiteOr(value.k, null);
  const x = finiteOr(value.x, null);
  const y = finiteOr(value.y, null);
  return k !== null && k > 0 && x !== null && y !== null ? { k, x, y } : null;
}

/** Reads a saved state defensively: anything missing or malformed falls back to the default. */
export function parseViewState(value: unknown): ViewState {
  const state = defaultViewState();
  if (!isRecord(value)) return state;
  state.filter = parseFilter(value.filter);
  if (isRecord(value.sort) && SORT_KEYS.includes(value.sort.key as SortKey)) {
    state.sort = { key: value.sort.key as SortKey, descending: value.sort.descending === true };
  }
  state.scrollTop = Math.max(0, finiteOr(value.scrollTop, 0));
  state.selectedLine = wholeOrNull(value.selectedLine);
  state.selectedTurn = wholeOrNull(value.selectedTurn);
  if (isRecord(value.zoomByTask)) {
    for (const [task, zoom] of Object.entries(value.zoomByTask)) {
      const parsed = parseZoom(zoom);
      if (parsed) state.zoomByTask[task] = parsed;
    }
  }
  state.centreView = value.centreView === 'charts' ? 'charts' : 'tree';
  state.rawText = value.rawText === true;
  return state;
}

/** Changes are written to the host at most this often (scrolling and zooming change state every frame). */
const SAVE_DELAY_MS = 100;

/** The view state, written through to the host bridge shortly after each change. */
export class ViewStateStore {
  private state: ViewState;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly bridge: HostBridge) {
    this.state = parseViewState(bridge.getState());
    const flushWhenHidden = () => {
      if (document.visibilityState === 'hidden') this.flush();
    };
    document.addEventListener('visibilitychange', flushWhenHidden);
    window.addEventListener('pagehide', () => this.flush());
  }

  get current(): Readonly<ViewState> {
    return this.state;
  }

  update(change: Partial<ViewState>): void {
    this.state = { ...this.state, ...change };
    this.timer ??= setTimeout(() => this.flush(), SAVE_DELAY_MS);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.bridge.setState(this.state);
  }

  zoomOf(taskId: string): ZoomState | null {
    return this.state.zoomByTask[taskId] ?? null;
  }

  setZoom(taskId: string, zoom: ZoomState): void {
    const entries = Object.entries(this.state.zoomByTask).filter(([task]) => task !== taskId);
    entries.push([taskId, zoom]);
    this.update({ zoomByTask: Object.fromEntries(entries.slice(-MAX_ZOOM_ENTRIES)) });
  }
}
