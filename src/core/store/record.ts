import type { Trajectory } from '../trajectory/schema';
import type { Finding } from '../trajectory/findings';
import { validateTrajectoryValue } from '../trajectory/validate';
import { describeJsonError } from './json-error';
import { firstInvalidUtf8Byte } from './utf8';

/** A line that holds a valid trajectory. */
export interface ValidRecord {
  /** 1-based line number in the file. */
  line: number;
  ok: true;
  /** The validated trajectory (unknown fields kept). */
  trajectory: Trajectory;
  /** The parsed JSON exactly as it was, unknown fields included; edit a copy of this and save it. */
  raw: Record<string, unknown>;
  /** The line's bytes without its terminator ('\n' or '\r\n'). */
  bytes: Buffer;
}

/** A line that is blank, not JSON, not UTF-8 or not a valid trajectory: kept verbatim. */
export interface BrokenRecord {
  line: number;
  ok: false;
  /** The line as text (for display; invalid UTF-8 shows as U+FFFD, the file keeps the bytes). */
  text: string;
  bytes: Buffer;
  /** The first problem: an error, or a warning for a blank line. */
  finding: Finding;
  /** Every problem found (several zod issues can apply to one line). */
  findings: Finding[];
  blank: boolean;
}

export type TrajectoryRecord = ValidRecord | BrokenRecord;

/** Parses and validates one line's bytes (no terminator, no BOM). */
export function parseLineRecord(bytes: Buffer, file: string, line: number): TrajectoryRecord {
  const broken = (text: string, findings: Finding[], blank = false): BrokenRecord => ({
    line,
    ok: false,
    text,
    bytes,
    finding: findings[0] as Finding,
    findings,
    blank,
  });
  const problem = (message: string, field = '', severity: Finding['severity'] = 'error'): Finding => ({
    severity,
    file,
    line,
    field,
    message,
  });

  const text = bytes.toString('utf8');
  if (text.trim() === '') {
    return broken(text, [problem('blank line (kept as is; it holds no trajectory)', '', 'warning')], true);
  }
  const badByte = firstInvalidUtf8Byte(bytes);
  if (badByte >= 0) {
    return broken(text, [problem(`not valid UTF-8 at byte ${badByte + 1} of the line (kept byte for byte)`)]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const fallback = error instanceof Error ? error.message : String(error);
    return broken(text, [problem(`invalid JSON: ${describeJsonError(text, fallback)}`)]);
  }
  const checked = validateTrajectoryValue(value, file, line);
  if (!checked.ok) {
    const findings = checked.findings.length > 0 ? checked.findings : [problem('not a valid trajectory')];
    return broken(text, findings);
  }
  return { line, ok: true, trajectory: checked.trajectory, raw: value as Record<string, unknown>, bytes };
}

/** A stand-in for a line too long to load as one record; the file keeps it unchanged. */
export function oversizedLineRecord(preview: Buffer, file: string, line: number, byteLength: number, limit: number): BrokenRecord {
  const finding: Finding = {
    severity: 'error',
    file,
    line,
    field: '',
    message: `line is ${byteLength} bytes, over the ${limit}-byte limit for one record; kept unchanged in the file but not loaded`,
  };
  return { line, ok: false, text: preview.toString('utf8'), bytes: preview, finding, findings: [finding], blank: false };
}
