import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { OpenAiTestServer } from '../../support/openai-server';
import { evalWorkspace } from './eval-fixture';

const root = resolve(__dirname, '../../..');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/** The CLI in a child process (async: the test server lives in this process). */
function cli(args: string[], options: { env?: Record<string, string>; killWhen?: () => boolean } = {}): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', require.resolve('tsx'), join(root, 'src/cli.ts'), ...args], {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: '', MINI_O3_API_KEY: '', OPENAI_API_KEY: '', ...options.env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const watch = options.killWhen
      ? setInterval(() => {
        if (options.killWhen!()) child.kill('SIGKILL');
      }, 5)
      : null;
    child.on('close', (code, signal) => {
      if (watch) clearInterval(watch);
      done({ code, signal, out, err });
    });
  });
}

function fileLines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : [];
}

test('eval killed midway, then rerun: every (task, max_turns, rollout) exactly once, broken lines kept', async () => {
  const server = await OpenAiTestServer.start({ lifetimeMs: 120_000 });
  try {
    const dir = mkdtempSync(join(tmpdir(), 'mini-o3-evalcli-'));
    const ws = await evalWorkspace(dir, 6, server, { chunkDelayMs: 4, chunkChars: 6 });
    const out = join(dir, 'eval.traj.jsonl');
    const args = ['eval', '--tasks', ws.tasksFile, '--url', server.url, '--model', 'scripted', '--n', '2', '--max-turns', '2,4', '--concurrency', '3', '--out', out];

    const killed = await cli(args, { killWhen: () => fileLines(out).length >= 4 });
    assert.equal(killed.signal, 'SIGKILL', killed.err);
    const before = fileLines(out);
    assert.ok(before.length >= 4 && before.length < 24, `killed midway (${before.length} lines)`);
    // As if the kill had cut the next write short: half a line, no newline.
    const last = before[before.length - 1]!;
    appendFileSync(out, `${readFileSync(out, 'utf8').endsWith('\n') ? '' : '\n'}${last.slice(0, Math.floor(last.length / 2))}`);

    const resumed = await cli([...args, '--report-json', join(dir, 'report.json')]);
    assert.equal(resumed.code, 0, resumed.err);
    assert.match(resumed.err, /the last line is cut off .* kept in the file and ignored/);
    assert.match(resumed.err, /resuming run-[0-9a-f]{12}: \d+ trajectories already in/);
    assert.match(resumed.out, /Avg@k by data source and max-turn limit, k = 2 rollouts per task; judge: exact/);
    assert.match(resumed.out, /probe_even\s+12\s/);

    const all = fileLines(out);
    const parsed = all.flatMap((l) => {
      try {
        return [JSON.parse(l) as { task: { id: string }; eval: { max_turns: number; rollout: number } }];
      } catch {
        return [];
      }
    });
    const keys = parsed.map((t) => `${t.task.id}|${t.eval.max_turns}|${t.eval.rollout}`);
    assert.equal(keys.length, 24, 'all 24 rollouts are in the file');
    assert.equal(new Set(keys).size, 24, 'none twice');
    for (const l of before) assert.ok(all.includes(l), 'lines written before the kill are untouched');
    assert.ok(all.length - parsed.length >= 1, 'the cut-off line is kept verbatim');

    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as { counts: { from_before: number; written: number }; metrics: { overall: { trajectories: number; avgAtK: number } } };
    assert.equal(report.counts.from_before + report.counts.written, 24);
    assert.equal(report.metrics.overall.trajectories, 24);
    assert.equal(report.metrics.overall.avgAtK, 0.5);

    const again = await cli(['eval-report', out, '--json']);
    assert.equal(again.code, 0, again.err);
    const json = JSON.parse(again.out) as { model: string; metrics: { by_max_turns: Record<string, { avgAtK: number; overTurnRate: number }> } };
    assert.equal(json.model, 'scripted');
    assert.equal(json.metrics.by_max_turns['2']!.avgAtK, 2 / 6);
    assert.equal(json.metrics.by_max_turns['4']!.avgAtK, 4 / 6);
  } finally {
    await server.close();
  }
});

test('Ctrl+C stops the eval: running rollouts are aborted and not written, exit 130', async () => {
  const server = await OpenAiTestServer.start({ lifetimeMs: 120_000 });
  try {
    const dir = mkdtempSync(join(tmpdir(), 'mini-o3-evalint-'));
    const ws = await evalWorkspace(dir, 4, server, { chunkDelayMs: 10, chunkChars: 4 });
    const out = join(dir, 'eval.traj.jsonl');
    let sent = false;
    const r = await new Promise<Run>((done) => {
      const child = spawn(process.execPath, ['--import', require.resolve('tsx'), join(root, 'src/cli.ts'), 'eval', '--tasks', ws.tasksFile,
        '--url', server.url, '--model', 'scripted', '--n', '3', '--concurrency', '4', '--out', out], { cwd: root, env: { ...process.env, NODE_OPTIONS: '' } });
      let outText = '';
      let errText = '';
      child.stdout.on('data', (d: Buffer) => (outText += d.toString()));
      child.stderr.on('data', (d: Buffer) => (errText += d.toString()));
      const watch = setInterval(() => {
        if (!sent && fileLines(out).length >= 2) {
          sent = true;
          child.kill('SIGINT');
        }
      }, 5);
      child.on('close', (code, signal) => {
        clearInterval(watch);
        done({ code, signal, out: outText, err: errText });
      });
    });
    assert.equal(r.code, 130, r.err);
    assert.match(r.err, /cancelling/);
    assert.match(r.err, /\d+ running rollouts were cancelled and not written/);
    const written = fileLines(out).map((l) => JSON.parse(l) as { outcome: { status: string } });
    assert.ok(written.length >= 2 && written.length < 12);
    assert.ok(written.every((t) => t.outcome.status !== 'cancelled'));
    assert.match(r.err, new RegExp(`${written.length} trajectories appended`));
  } finally {
    await server.close();
  }
});

test('search streams turns and crops, appends the trajectory, keeps the API key out of sight', async () => {
  const server = await OpenAiTestServer.start({ apiKey: 'sekrit-key-123' });
  try {
    const dir = mkdtempSync(join(tmpdir(), 'mini-o3-search-'));
    const ws = await evalWorkspace(dir, 2, server);
    const row = ws.rows[1]!;
    const image = join(dir, row.images[0]);
    const question = row.problem.replace('<image>\n', '');
    const out = join(dir, 'runs', 'search.traj.jsonl');
    const env = { MINI_O3_API_KEY: 'sekrit-key-123' };
    const r = await cli(['search', '--image', image, '--question', question, '--answer', row.solution, '--url', server.url, '--model', 'scripted', '--out', out], { env });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /── turn 1 ──\n<think>The sign is too small; zoom in.<\/think>/);
    assert.match(r.out, /crop → observation_1: \[\d+, \d+, \d+, \d+\] of the original, \d+×\d+ px, seen as \d+×\d+/);
    assert.match(r.out, /crop → observation_2/);
    assert.match(r.out, /answered: answer "[^"]+" \(correct by exact match\), 3 turns/);
    assert.doesNotMatch(r.out + r.err, /sekrit/);
    assert.match(r.err, /the image is outside .*runs; it is stored as \.\.\/images\/.*--image-root/);
    const [line] = fileLines(out).map((l) => JSON.parse(l) as { task: { question: string; images: string[] }; turns: unknown[] });
    assert.equal(line!.task.question, `<image>\n${question}`);
    assert.deepEqual(line!.task.images, [`../${row.images[0]}`]);
    assert.equal(line!.turns.length, 3);

    const copied = await cli(['search', '--image', image, '--question', question, '--url', server.url, '--model', 'scripted', '--out', out, '--copy-image', '-q'], { env });
    assert.equal(copied.code, 0, copied.err);
    assert.doesNotMatch(copied.out, /── turn/);
    const second = JSON.parse(fileLines(out)[1]!) as { task: { images: string[] } };
    assert.equal(second.task.images[0], `images/${row.images[0].split('/').pop()}`);
    assert.ok(existsSync(join(dir, 'runs', second.task.images[0]!)));

    const noModel = await cli(['search', '--image', image, '--question', question, '--url', server.url, '--out', out], { env });
    assert.equal(noModel.code, 2);
    assert.match(noModel.err, /could not list the served models at http:\/\/127\.0\.0\.1:\d+\/v1\/models \(HTTP 404\); pass --model NAME/);
    assert.equal(fileLines(out).length, 2, 'nothing appended');

    const noKey = await cli(['search', '--image', image, '--question', question, '--url', server.url, '--model', 'scripted', '--out', join(dir, 'x.traj.jsonl'), '-q']);
    assert.equal(noKey.code, 1);
    assert.match(noKey.err, /401/);
  } finally {
    await server.close();
  }
});

test('bad options get one clear line and exit 2', async () => {
  const backend = await cli(['search', '--image', 'a.png', '--question', 'q', '--backend', 'tgi', '--out', join(tmpdir(), 'never.traj.jsonl')]);
  assert.equal(backend.code, 2);
  assert.match(backend.err, /^error: --backend must be openai/);
  const noUrl = await cli(['eval', '--tasks', 'none.json', '--out', join(tmpdir(), 'never.traj.jsonl')]);
  assert.equal(noUrl.code, 2);
  assert.match(noUrl.err, /^error: --backend openai needs --url/);
  const judge = await cli(['eval', '--tasks', 'none.json', '--url', 'http://127.0.0.1:9', '--out', join(tmpdir(), 'never.traj.jsonl'), '--judge', 'llm']);
  assert.equal(judge.code, 2);
  assert.match(judge.err, /--judge llm needs --judge-url/);
  const turns = await cli(['eval', '--tasks', 'none.json', '--url', 'http://127.0.0.1:9', '--out', join(tmpdir(), 'never.traj.jsonl'), '--max-turns', '4,x']);
  assert.equal(turns.code, 2);
  assert.match(turns.err, /--max-turns must be whole numbers/);
});
