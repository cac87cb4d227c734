import { reviewStatusOf, type StatusLabel, type Trajectory } from '../trajectory/schema';

export type ReviewFilter = 'accepted' | 'any';

export interface SelectionOptions {
  /** 'accepted' (default): only trajectories whose review status is accepted; 'any': all. */
  status?: ReviewFilter;
  /** Derived status labels to keep (from the replay); default only 'valid'. */
  statusLabels?: readonly StatusLabel[];
  /** Keep only these `task.data_source` values; default all. */
  dataSources?: readonly string[];
}

export const DEFAULT_STATUS_LABELS: readonly StatusLabel[] = ['valid'];

/** Why a readable trajectory was left out by the filters (not a refusal: it was never selected). */
export type SkipReason = 'review_status' | 'data_source' | 'status_label';

/** The filters that need no image: review status and data source. */
export function skipBeforeReplay(t: Trajectory, options: SelectionOptions): SkipReason | null {
  if ((options.status ?? 'accepted') === 'accepted' && reviewStatusOf(t) !== 'accepted') return 'review_status';
  const sources = options.dataSources;
  if (sources && sources.length > 0 && !sources.includes(t.task.data_source ?? '')) return 'data_source';
  return null;
}

/** The derived-status filter, applied once the trajectory has been replayed. */
export function skipAfterReplay(status: StatusLabel, options: SelectionOptions): SkipReason | null {
  const labels = options.statusLabels ?? DEFAULT_STATUS_LABELS;
  return labels.includes(status) ? null : 'status_label';
}
