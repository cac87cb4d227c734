import { TrajectorySchema, type Trajectory } from './schema';
import { findingsFromZod, type Finding } from './findings';

export type ValidationResult =
  | { ok: true; trajectory: Trajectory }
  | { ok: false; findings: Finding[] };

/** Checks one parsed JSON value against the native schema; unknown fields survive on the result. */
export function validateTrajectoryValue(value: unknown, file: string, line: number): ValidationResult {
  const parsed = TrajectorySchema.safeParse(value);
  if (parsed.success) return { ok: true, trajectory: parsed.data };
  return { ok: false, findings: findingsFromZod(parsed.error, file, line) };
}
