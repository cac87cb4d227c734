/**
 * Calls `run` at most once per `intervalMs`: the first call runs at once, later ones within the
 * interval collapse into one trailing call, so the last state is always delivered.
 */
export class Throttle {
  private last = -Infinity;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;

  constructor(private readonly run: () => void, private readonly intervalMs: number, private readonly now: () => number = () => performance.now()) {}

  trigger(): void {
    if (this.disposed || this.timer) return;
    const wait = this.last + this.intervalMs - this.now();
    if (wait <= 0) {
      this.fire();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.fire();
    }, wait);
  }

  /** Runs now if a trailing call is pending (for example when indexing finishes); says whether it ran. */
  flush(): boolean {
    if (!this.timer) return false;
    clearTimeout(this.timer);
    this.timer = null;
    this.fire();
    return true;
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private fire(): void {
    if (this.disposed) return;
    this.last = this.now();
    this.run();
  }
}
