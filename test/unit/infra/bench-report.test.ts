import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  REPORT_HEADER,
  checkBenchResult,
  formatValue,
  renderBenchSection,
  renderConsoleTable,
  upsertBenchSection,
  type BenchRun,
} from '../../../scripts/bench-report.mjs';

const machine = { cpu: 'Test CPU 3000', cores: 2, node: 'v20.20.2', platform: 'linux 6.1' };

function run(name: string, results: BenchRun['results'], quick = false): BenchRun {
  return { name, results, machine, date: '2026-11-27', quick, seconds: 1.25 };
}

test('figures: integers stay exact, fractions get 4 significant digits, strings pass through', () => {
  assert.equal(formatValue(1234567), '1234567');
  assert.equal(formatValue(0.000123456), '0.0001235');
  assert.equal(formatValue(3.14159), '3.142');
  assert.equal(formatValue(12345.678), '12345.7');
  assert.equal(formatValue(Number.NaN), 'NaN');
  assert.equal(formatValue('12 MB'), '12 MB');
});

test('a bench result must be a non-empty record of numbers and strings', () => {
  assert.deepEqual(checkBenchResult({ ms: 1, unit: 'x' }), []);
  assert.match(checkBenchResult([1, 2])[0] ?? '', /an array/);
  assert.match(checkBenchResult(null)[0] ?? '', /null/);
  assert.match(checkBenchResult(undefined)[0] ?? '', /undefined/);
  assert.deepEqual(checkBenchResult({ ok: 1, bad: { a: 1 } }), ['bad: expected a number or a string, got object']);
  assert.deepEqual(checkBenchResult({}), ['run() returned no figures']);
});

test('console table aligns keys left and values right', () => {
  const lines = renderConsoleTable({ 'load ms': 12.5, 'rows': 100000 }).split('\n');
  assert.equal(lines.length, 4);
  assert.equal(lines[0], 'figure    value');
  assert.equal(lines[2], 'load ms    12.5');
  assert.ok(lines.every((line) => line.length === lines[0]?.length), 'all rows have the same width');
  assert.ok(lines[3]?.endsWith('100000'));
});

test('a section names the machine and mode, escapes pipes, and sits between its markers', () => {
  const section = renderBenchSection(run('store', { 'open ms': 1.23456, 'a|b': 'x|y' }, true));
  const lines = section.split('\n');
  assert.equal(lines[0], '<!-- bench:store -->');
  assert.equal(lines.at(-1), '<!-- /bench:store -->');
  assert.ok(section.includes('## store'));
  assert.ok(section.includes('Test CPU 3000, 2 cores, linux 6.1, Node v20.20.2; 2026-11-27; **quick run (small sizes)**, 1.3 s.'));
  assert.ok(section.includes('| open ms | 1.235 |'));
  assert.ok(section.includes('| a\\|b | x\\|y |'));
  assert.ok(renderBenchSection(run('store', { n: 1 })).includes('full run'));
});

test('upsert: empty report gets the header, new benches are appended, reruns replace only their own section', () => {
  const first = upsertBenchSection('', 'imaging', renderBenchSection(run('imaging', { 'crop ms': 5 })));
  assert.ok(first.startsWith(REPORT_HEADER));
  const withNote = `${first}\nA note a person wrote by hand.\n`;
  const second = upsertBenchSection(withNote, 'store', renderBenchSection(run('store', { 'open ms': 2 })));
  assert.ok(second.indexOf('bench:imaging') < second.indexOf('bench:store'));
  const rerun = upsertBenchSection(second, 'imaging', renderBenchSection(run('imaging', { 'crop ms': 7 })));
  assert.ok(rerun.includes('| crop ms | 7 |'));
  assert.ok(!rerun.includes('| crop ms | 5 |'));
  assert.ok(rerun.includes('| open ms | 2 |'), 'the other section is untouched');
  assert.ok(rerun.includes('A note a person wrote by hand.'), 'text outside the markers is kept');
  assert.equal(rerun.match(/<!-- bench:imaging -->/g)?.length, 1);
  assert.equal(upsertBenchSection(rerun, 'imaging', renderBenchSection(run('imaging', { 'crop ms': 7 }))), rerun, 'idempotent');
});

test('upsert refuses a section whose end marker was deleted', () => {
  assert.throws(() => upsertBenchSection('<!-- bench:x -->\n## x\n', 'x', 'new'), /section x has a start marker but no end marker/);
});
