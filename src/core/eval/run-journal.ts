import { stat } from 'node:fs/promises';
import { TrajectoryFile } from '../store';
import { formatFinding } from '../trajectory/findings';
import { evalSampleOf, evalTagOf, sampleKey, type EvalSample } from './eval-sample';

/** One eval run found in a file: its samples by (task, max_turns, rollout). */
export interface JournalRun {
  runKey: string;
  samples: Map<string, EvalSample>;
  /** Judges that scored its trajectories (`exact`, `llm:<model>`). */
  judges: Set<string>;
  /** Model name of its first trajectory. */
  model: string;
}

export interface JournalProblem {
  line: number;
  message: string;
  /** The file's last line, without a newline: a write cut off by a killed run. */
  truncatedTail: boolean;
}

/** What an eval output file already holds. */
export interface EvalJournal {
  runs: Map<string, JournalRun>;
  /** Lines that hold no trajectory; they stay in the file untouched and are left out. */
  problems: JournalProblem[];
  /** A (task, max_turns, rollout) seen again in the same run: the first one counts. */
  duplicates: { line: number; key: string }[];
  /** Valid trajectories that carry no eval tag. */
  untagged: number;
  lines: number;
}

/**
 * Reads an eval output file (streamed; only small per-trajectory summaries are kept). A missing
 * file is an empty journal. Broken lines, including a truncated last line, are reported and skipped.
 */
export async function readEvalJournal(file: string, options: { signal?: AbortSignal } = {}): Promise<EvalJournal> {
  const journal: EvalJournal = { runs: new Map(), problems: [], duplicates: [], untagged: 0, lines: 0 };
  try {
    if ((await stat(file)).size === 0) return journal;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return journal;
    throw error;
  }
  const store = await TrajectoryFile.openStreaming(file);
  try {
    for await (const record of store.records()) {
      options.signal?.throwIfAborted();
      if (!record.ok) {
        if (record.blank) continue;
        journal.problems.push({ line: record.line, message: `${formatFinding(record.finding)} (kept in the file and ignored)`, truncatedTail: false });
        continue;
      }
      const t = record.trajectory;
      const tag = evalTagOf(t);
      if (!tag) {
        journal.untagged++;
        continue;
      }
      let run = journal.runs.get(tag.run_key);
      if (!run) {
        run = { runKey: tag.run_key, samples: new Map(), judges: new Set(), model: t.model?.name ?? '(unknown model)' };
        journal.runs.set(tag.run_key, run);
      }
      const key = sampleKey(t.task.id, tag.max_turns, tag.rollout);
      if (run.samples.has(key)) {
        journal.duplicates.push({ line: record.line, key });
        continue;
      }
      run.samples.set(key, evalSampleOf(t, tag));
      if (tag.judge) run.judges.add(tag.judge.kind === 'llm' ? `llm:${tag.judge.model ?? '?'}` : 'exact');
    }
    await store.ready;
    journal.lines = store.lineCount;
    const last = journal.problems[journal.problems.length - 1];
    if (last && last.line === store.lineCount && !store.span(last.line - 1).hasNewline) {
      last.truncatedTail = true;
      last.message = `${file}:${last.line}: the last line is cut off (a run killed mid-write?); it is kept in the file and ignored`;
    }
  } finally {
    await store.close();
  }
  return journal;
}
