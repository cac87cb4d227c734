import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateTrajectoryValue } from '../../src/core/trajectory/validate';

test('schema keeps unknown fields and names the bad field', () => {
  const ok = validateTrajectoryValue({ id: 'a', task: { id: 't', question: 'q', images: ['x.jpg'], extra: 1 }, turns: [], zzz: true }, 'f', 1);
  assert.ok(ok.ok);
  if (ok.ok) assert.equal((ok.trajectory as Record<string, unknown>).zzz, true);
  const bad = validateTrajectoryValue({ id: 'a', task: { id: 't', question: 'q', images: [] }, turns: [{ text: 3 }] }, 'f.traj.jsonl', 7);
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.deepEqual(bad.findings.map((f) => f.field).sort(), ['task.images', 'turns.0.text']);
});
