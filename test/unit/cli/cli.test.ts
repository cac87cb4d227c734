import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');
const work = mkdtempSync(join(tmpdir(), 'mini-o3-cli-'));

function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', require.resolve('tsx'), join(root, 'src/cli.ts'), ...args], {
    cwd: work,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const demos = join(work, 'ws', 'demos.traj.jsonl');

before(() => {
  const r = cli('synth', '--out', join(work, 'ws'), '--tasks', '3', '--seed', '5', '--small', '--rollouts', '3', '-q');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /wrote 3 tasks/);
  assert.match(r.out, /wrote 9 scripted demonstrations/);
});

test('synth writes VisualProbe tasks, images and demonstrations', () => {
  const tasks = JSON.parse(readFileSync(join(work, 'ws', 'tasks.json'), 'utf8')) as Array<Record<string, unknown>>;
  assert.equal(tasks.length, 3);
  assert.deepEqual(Object.keys(tasks[0]!), ['images', 'doc_id', 'problem', 'solution', 'data_source', 'gt_box']);
  for (const t of tasks) assert.ok(existsSync(join(work, 'ws', (t.images as string[])[0]!)));
  const lines = readFileSync(demos, 'utf8').trim().split('\n');
  assert.equal(lines.length, 9);
  for (const l of lines) assert.equal(JSON.parse(l).model.synthetic, true);
});

test('validate: exit 0 on an all-valid file, 1 with findings named file:line: field, 2 on unusable input', () => {
  const lines = readFileSync(demos, 'utf8').trim().split('\n');
  const validOnly = lines.filter((l) => {
    const kind = (JSON.parse(l).id as string).split('-').pop();
    return ['direct', 'detour', 'crop_of_crop', 'wrong_answer'].some((k) => (JSON.parse(l).id as string).endsWith(k)) && kind;
  });
  assert.ok(validOnly.length > 0);
  const good = join(work, 'ws', 'good.traj.jsonl');
  writeFileSync(good, validOnly.join('\n') + '\n');
  const ok = cli('validate', good, '-q');
  assert.equal(ok.code, 0, ok.out + ok.err);

  const bad = join(work, 'ws', 'bad.traj.jsonl');
  const broken = JSON.parse(validOnly[0]!);
  broken.turns[0].text = '<think>x</think><grounding>{"bbox_2d": [0.9, 0.1, 0.2, 0.5], "source": "original_image"}</grounding>';
  writeFileSync(bad, [validOnly[0], '{"id": "x", "task": ', JSON.stringify(broken), '{"id":"y","task":{"id":"t","question":"q","images":["../../etc/passwd"]},"turns":[]}'].join('\n') + '\n');
  const r = cli('validate', bad, '-q');
  assert.equal(r.code, 1);
  assert.match(r.out, /bad\.traj\.jsonl:2: error: .*(JSON|end)/i);
  assert.match(r.out, /bad\.traj\.jsonl:3: turns\.0\.text: error: .*inverted in width/);
  assert.match(r.out, /bad\.traj\.jsonl:4: task\.images\.0: error: .*escapes|outside/);

  assert.equal(cli('validate', join(work, 'missing.traj.jsonl')).code, 2);
  const empty = join(work, 'empty.traj.jsonl');
  writeFileSync(empty, '');
  const e = cli('validate', empty);
  assert.equal(e.code, 2);
  assert.match(e.err, /empty/);
});

test('stats reports status counts, a turns histogram and accuracy', () => {
  const r = cli('stats', demos, '--json', '-q');
  assert.equal(r.code, 0, r.err);
  const stats = JSON.parse(r.out);
  assert.equal(stats.trajectories, 9);
  const byStatus = Object.values(stats.byStatus as Record<string, number>).reduce((a, b) => a + b, 0);
  assert.equal(byStatus, 9);
  assert.ok(stats.accuracy.total > 0);
  assert.ok(Object.keys(stats.turnsHistogram).length > 0);
  const text = cli('stats', demos, '-q');
  assert.match(text.out, /accuracy: \d+\.\d%/);
});

test('import visualprobe tasks, export accepted to LLaMA-Factory; --help everywhere', () => {
  const imported = join(work, 'tasks.traj.jsonl');
  const r = cli('import', '--format', 'visualprobe', '--in', join(work, 'ws', 'tasks.json'), '--out', imported, '-q');
  assert.ok(r.code === 0 || r.code === 1, r.out + r.err);
  const lines = readFileSync(imported, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 3);
  assert.deepEqual(lines[0].turns, []);

  // accept the valid demonstrations, then export
  const accepted = readFileSync(demos, 'utf8').trim().split('\n').map((l) => {
    const t = JSON.parse(l);
    t.review = { status: 'accepted' };
    return JSON.stringify(t);
  });
  const acceptedFile = join(work, 'ws', 'accepted.traj.jsonl');
  writeFileSync(acceptedFile, accepted.join('\n') + '\n');
  const out = join(work, 'lf');
  const e = cli('export', '--format', 'llamafactory', '--in', acceptedFile, '--out', out, '-q');
  assert.ok(e.code === 0 || e.code === 1, e.out + e.err);
  assert.ok(existsSync(join(out, 'dataset_info.json')));
  assert.ok(existsSync(join(out, 'manifest.json')));
  const m = /exported (\d+) of (\d+) selected .*filtered out: (\d+) status_label/.exec(e.out);
  assert.ok(m, e.out);
  assert.equal(Number(m[2]) + Number(m[3]), 9, 'every accepted trajectory is either selected or filtered by its status label');
  const again = cli('export', '--format', 'llamafactory', '--in', acceptedFile, '--out', out, '-q');
  assert.equal(again.code, 2, 'an existing export folder is not overwritten without --overwrite');

  for (const c of ['synth', 'validate', 'import', 'export', 'stats']) {
    const h = cli(c, '--help');
    assert.equal(h.code, 0);
    assert.match(h.out, /Usage: mini-o3-studio/);
  }
  const unknown = cli('import', '--format', 'nope', '--in', 'x', '--out', 'y');
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /expected one of/);
});
