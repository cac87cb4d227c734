import type { z } from 'zod';

/** One problem found in a file, pointing at the file, the 1-based line and the field path. */
export interface Finding {
  severity: 'error' | 'warning';
  file: string;
  /** 1-based line number; 0 when the problem is about the whole file. */
  line: number;
  /** Dotted field path inside the line's JSON (`turns.3.text`), empty for the whole line. */
  field: string;
  message: string;
}

export function formatFinding(f: Finding): string {
  const where = f.line > 0 ? `${f.file}:${f.line}` : f.file;
  const field = f.field ? ` ${f.field}:` : '';
  return `${where}:${field} ${f.message}`;
}

export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p) => String(p)).join('.');
}

/** Turns zod issues into findings; the path is made relative to `prefix`. */
export function findingsFromZod(
  error: z.ZodError,
  file: string,
  line: number,
  prefix = '',
): Finding[] {
  return error.issues.map((issue) => {
    const path = fieldPath(issue.path);
    return {
      severity: 'error' as const,
      file,
      line,
      field: prefix && path ? `${prefix}.${path}` : prefix || path,
      message: issue.message,
    };
  });
}
