/** Progress on stderr: a live line on a terminal, a line every few seconds otherwise. */
export class Progress {
  private lastPrint = Date.now();
  private readonly tty = process.stderr.isTTY === true;
  private shown = false;

  constructor(private readonly label: string, private readonly quiet = false) {}

  update(done: number, total: number | null, unit = ''): void {
    if (this.quiet) return;
    const now = Date.now();
    if (now - this.lastPrint < (this.tty ? 100 : 5000)) return;
    this.lastPrint = now;
    const pct = total ? ` ${((100 * done) / total).toFixed(0)}%` : '';
    const text = `${this.label}: ${done}${total !== null ? `/${total}` : ''}${unit ? ` ${unit}` : ''}${pct}`;
    if (this.tty) process.stderr.write(`\r\x1b[K${text}`);
    else process.stderr.write(`${text}\n`);
    this.shown = true;
  }

  done(): void {
    if (this.tty && this.shown && !this.quiet) process.stderr.write('\r\x1b[K');
  }
}

/** Ctrl+C cancels long work cleanly instead of killing it mid-write. */
export function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\ncancelling…\n');
    controller.abort(new Error('cancelled by the user'));
  });
  return controller.signal;
}

/** An error the CLI reports as one clear line with exit code 2 (unusable input). */
export class UsageError extends Error {}
