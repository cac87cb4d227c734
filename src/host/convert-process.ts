import { fork } from 'node:child_process';

/** What the user chose for one conversion. */
export interface ConvertRequest {
  hfDir: string;
  outDir: string;
  dtype: 'fp32' | 'fp16';
  int4: boolean;
}

/** One progress line of `convert --progress-json`: source bytes read so far, of all, and what is being done. */
export interface ConvertProgressLine {
  done: number;
  total: number;
  stage: string;
}

export type ConvertOutcome =
  | { kind: 'done'; summary: string[]; warnings: string[] }
  | { kind: 'cancelled' }
  | { kind: 'failed'; message: string };

export interface ConvertProcessOptions {
  /** The bundled CLI (dist/cli.js). */
  cliPath: string;
  request: ConvertRequest;
  /** Node options for the child; the default (none) keeps the extension host's inspector flags out of it. */
  execArgv?: string[];
  signal?: AbortSignal;
  onProgress?: (progress: ConvertProgressLine) => void;
  /** After a cancel's SIGTERM, how long the converter may take to remove its partial files before SIGKILL. */
  killAfterMs?: number;
}

/** The CLI arguments for a conversion, progress as JSON lines. */
export function convertCliArgs(request: ConvertRequest): string[] {
  return ['convert', request.hfDir, request.outDir, '--dtype', request.dtype, ...(request.int4 ? ['--int4'] : []), '--progress-json'];
}

/** A progress line, or null for anything else on stderr (warnings, errors). */
export function parseProgressLine(line: string): ConvertProgressLine | null {
  const text = line.trim();
  if (!text.startsWith('{')) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { done, total, stage } = value as Record<string, unknown>;
  if (typeof done !== 'number' || typeof total !== 'number' || typeof stage !== 'string') return null;
  if (!Number.isFinite(done) || !Number.isFinite(total) || done < 0 || total < 0) return null;
  return { done, total, stage };
}

/** Share of the work done, 0..100 (0 while the total is unknown). */
export function progressPercent(progress: ConvertProgressLine): number {
  if (progress.total <= 0) return 0;
  return Math.min(100, Math.max(0, (100 * progress.done) / progress.total));
}

/** Splits a stream's chunks into lines; a line cut between chunks is joined first. */
export class LineSplitter {
  private rest = '';

  push(chunk: string): string[] {
    const parts = (this.rest + chunk).split('\n');
    this.rest = parts.pop() ?? '';
    return parts.map((p) => p.replace(/\r$/, ''));
  }

  end(): string[] {
    const last = this.rest;
    this.rest = '';
    return last ? [last] : [];
  }
}

/** The CLI's own error line (`error: …`), else the last lines it wrote, else the exit status. */
function failureMessage(stderrLines: string[], code: number | null, signal: NodeJS.Signals | null): string {
  const errorLine = [...stderrLines].reverse().find((l) => l.startsWith('error: '));
  if (errorLine) return errorLine.slice('error: '.length);
  const tail = stderrLines.filter((l) => l.trim() !== '').slice(-5).join('\n');
  const status = signal ? `was stopped by ${signal}` : `exited with code ${code}`;
  return tail ? `the converter ${status}: ${tail}` : `the converter ${status}`;
}

/**
 * Runs `cli.js convert` in a child Node process (the extension host's thread stays free; in VS
 * Code's Electron ELECTRON_RUN_AS_NODE makes the binary a plain Node). Cancelling sends SIGTERM,
 * on which the converter removes the model files it had started, then SIGKILL if it hangs.
 */
export function runConvertProcess(options: ConvertProcessOptions): Promise<ConvertOutcome> {
  const { signal } = options;
  if (signal?.aborted) return Promise.resolve({ kind: 'cancelled' });
  return new Promise((resolve) => {
    const child = fork(options.cliPath, convertCliArgs(options.request), {
      execArgv: options.execArgv ?? [],
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const stdoutLines: string[] = [];
    const stderrLines: string[] = [];
    const stdout = new LineSplitter();
    const stderr = new LineSplitter();
    const onStderrLine = (line: string) => {
      const progress = parseProgressLine(line);
      if (progress) options.onProgress?.(progress);
      else stderrLines.push(line);
    };
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => stdoutLines.push(...stdout.push(chunk)));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk).forEach(onStderrLine));
    let cancelled = false;
    let killTimer: ReturnType<typeof setTimeout> | undefined;
    const cancel = () => {
      cancelled = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 10_000);
    };
    signal?.addEventListener('abort', cancel, { once: true });
    let spawnError: Error | null = null;
    child.on('error', (error) => (spawnError = error));
    child.on('close', (code, exitSignal) => {
      signal?.removeEventListener('abort', cancel);
      if (killTimer) clearTimeout(killTimer);
      stdoutLines.push(...stdout.end());
      stderr.end().forEach(onStderrLine);
      // A cancel that came after the last model was written lets the conversion finish: it is done.
      if (code === 0 && !spawnError) {
        const warnings = stderrLines.filter((l) => l.startsWith('warning: ')).map((l) => l.slice('warning: '.length));
        resolve({ kind: 'done', summary: stdoutLines.filter((l) => l.trim() !== ''), warnings });
      } else if (cancelled) resolve({ kind: 'cancelled' });
      else if (spawnError) resolve({ kind: 'failed', message: `could not start ${options.cliPath}: ${(spawnError as Error).message}` });
      else resolve({ kind: 'failed', message: failureMessage(stderrLines, code, exitSignal) });
    });
  });
}
