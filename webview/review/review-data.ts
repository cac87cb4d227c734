import type { Json, TrajectoryView } from '../../src/protocol';
import type { ReviewStatus } from '../../src/core/trajectory/schema';

export interface ReviewState {
  status: ReviewStatus;
  labels: string[];
  notes: string;
  by: string | null;
  at: string | null;
}

function field(value: Json | undefined, name: string): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value[name] : undefined;
}

/** The review as stored on the line (the view carries the status; labels and notes are read from the raw line). */
export function reviewOf(t: TrajectoryView): ReviewState {
  const review = field(t.raw, 'review');
  const labels = field(review, 'labels');
  const notes = field(review, 'notes');
  const by = field(review, 'by');
  const at = field(review, 'at');
  return {
    status: t.reviewStatus,
    labels: Array.isArray(labels) ? labels.filter((l): l is string => typeof l === 'string') : [],
    notes: typeof notes === 'string' ? notes : '',
    by: typeof by === 'string' ? by : null,
    at: typeof at === 'string' ? at : null,
  };
}
