import type { EditOp, HostRequests, RowSummary, TrajectoryView } from '../../src/protocol';
import type { WebviewRpc } from '../rpc-client';

export type EditResult = HostRequests['applyEdit']['result'];

export interface EditClientEvents {
  /** The host applied an edit: the new view (fresh statuses) and the list row. */
  applied(view: TrajectoryView, summary: RowSummary): void;
  /** An edit failed: the message to show (the user's input is kept by the caller). */
  failed(message: string): void;
}

/**
 * Sends edits to the host, one after another (so a fast typist's edits keep their order), and
 * reports the fresh view. It resolves null on failure: callers keep what the user typed.
 */
export class EditClient {
  private queue: Promise<unknown> = Promise.resolve();
  readonly: boolean = false;

  constructor(private readonly rpc: WebviewRpc, private readonly events: EditClientEvents) {}

  apply(line: number, op: EditOp, label?: string): Promise<TrajectoryView | null> {
    if (this.readonly) {
      this.events.failed('This file is open read-only, so it cannot be edited.');
      return Promise.resolve(null);
    }
    const run = async (): Promise<TrajectoryView | null> => {
      try {
        const params: HostRequests['applyEdit']['params'] = label === undefined ? { line, op } : { line, op, label };
        const result = await this.rpc.request('applyEdit', params);
        this.events.applied(result.view, result.summary);
        return result.view;
      } catch (error) {
        this.events.failed(`Could not apply ${op.kind} to line ${line}: ${error instanceof Error ? error.message : String(error)}`);
        return null;
      }
    };
    const next = this.queue.then(run, run);
    this.queue = next;
    return next;
  }
}
