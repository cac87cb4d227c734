import type { Trajectory } from '../../core/trajectory/schema';
import type { TrajectoryDocument } from '../editor/trajectory-document';

/**
 * One running search's row in the trajectory editor: each snapshot replaces the row (every
 * panel of the document updates; the file is not touched). When the document reloads (the
 * file changed, e.g. another search appended its result), the row moves to a new line after
 * the file's last and the latest snapshot is shown again.
 */
export class LiveRow {
  /** The line, valid only in the model it was given by (a reload starts a new model without live rows). */
  private placed: { line: number; model: unknown } | null = null;
  private latest: Trajectory | null = null;
  private chain: Promise<void> = Promise.resolve();
  private readonly subscription: { dispose(): unknown };

  constructor(private readonly document: TrajectoryDocument, private readonly onError: (message: string) => void) {
    this.subscription = document.onDidReload(() => {
      this.placed = null;
      if (this.latest) this.put(this.latest);
    });
  }

  /** The line the row is shown on (undefined before the first snapshot). */
  get currentLine(): number | undefined {
    return this.placed?.model === this.document.model ? this.placed.line : undefined;
  }

  /** Shows the snapshot; puts are serialized so a late one never overwrites a newer one. */
  put(trajectory: Trajectory): Promise<void> {
    this.latest = trajectory;
    this.chain = this.chain.then(async () => {
      if (this.latest !== trajectory) return;
      try {
        const model = this.document.model;
        const row = await this.document.putLiveTrajectory(trajectory, this.placed?.model === model ? this.placed.line : undefined);
        this.placed = { line: row.line, model };
      } catch (error) {
        this.onError(error instanceof Error ? error.message : String(error));
      }
    });
    return this.chain;
  }

  /** Waits for the pending snapshot. */
  settled(): Promise<void> {
    return this.chain;
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
