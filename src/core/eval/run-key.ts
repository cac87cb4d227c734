import { createHash } from 'node:crypto';
import type { SearchSettings } from '../search/settings';

/** What makes two eval runs the same run: the model and every setting but the max-turn limit. */
export interface RunIdentity {
  model: string;
  backend: string;
  settings: Omit<SearchSettings, 'max_turns' | 'max_images'>;
}

/**
 * `eval.run_key`: a short hash of the run's identity, so a rerun with the same model and
 * settings resumes, and one with other settings in the same file starts its own run beside it.
 * The judge is left out on purpose: changing the judge should not redo the model's work.
 */
export function evalRunKey(identity: RunIdentity): string {
  const s = identity.settings;
  const canonical = JSON.stringify([
    identity.model,
    identity.backend,
    s.max_tokens,
    s.min_pixels,
    s.max_pixels,
    s.max_context,
    s.temperature ?? null,
    s.top_p ?? null,
    s.top_k ?? null,
    s.seed ?? null,
  ]);
  return `run-${createHash('sha256').update(canonical).digest('hex').slice(0, 12)}`;
}

/**
 * The seed of one rollout when the run has a seed: distinct per (task, max_turns, rollout) so
 * k rollouts are k samples, and the same on a rerun so a resumed run draws what it would have.
 */
export function rolloutSeed(runSeed: number, taskId: string, maxTurns: number, rollout: number): number {
  const digest = createHash('sha256').update(`${runSeed}\u0000${taskId}\u0000${maxTurns}\u0000${rollout}`).digest();
  return digest.readUInt32BE(0) & 0x7fffffff;
}
