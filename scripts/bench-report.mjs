// Text output of `npm run bench`: console tables and the sections of docs/benchmarks.md.
// Pure functions, so tests can check them without running a benchmark.

export const REPORT_HEADER = [
  '# Benchmarks',
  '',
  'Written by `npm run bench` (`scripts/bench.mjs`). Each section is replaced when its bench runs again;',
  'text outside the `<!-- bench:NAME -->` markers is kept. Figures depend on the machine named in each section.',
  '',
].join('\n');

/** A figure as it is shown: integers as they are, other numbers with 4 significant digits. */
export function formatValue(value) {
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return value.toFixed(1);
  return String(Number(value.toPrecision(4)));
}

/**
 * Checks what a bench's run() returned.
 * @returns {string[]} problems, empty when `value` is a Record<string, number|string>
 */
export function checkBenchResult(value) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return [`run() must return an object of figures, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`];
  }
  const problems = [];
  for (const [key, figure] of Object.entries(value)) {
    if (typeof figure !== 'number' && typeof figure !== 'string') problems.push(`${key}: expected a number or a string, got ${typeof figure}`);
  }
  if (Object.keys(value).length === 0) problems.push('run() returned no figures');
  return problems;
}

/** Two-column plain-text table for the terminal. */
export function renderConsoleTable(results) {
  const rows = Object.entries(results).map(([key, value]) => [key, formatValue(value)]);
  const keyWidth = Math.max(6, ...rows.map(([key]) => key.length));
  const valueWidth = Math.max(5, ...rows.map(([, value]) => value.length));
  const line = `${'-'.repeat(keyWidth)}  ${'-'.repeat(valueWidth)}`;
  return [`${'figure'.padEnd(keyWidth)}  ${'value'.padStart(valueWidth)}`, line, ...rows.map(([key, value]) => `${key.padEnd(keyWidth)}  ${value.padStart(valueWidth)}`)].join('\n');
}

function escapeCell(text) {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/**
 * One bench's section of docs/benchmarks.md, between its markers.
 * @param {{ name: string, results: Record<string, number|string>, machine: { cpu: string, cores: number, node: string, platform: string },
 *           date: string, quick: boolean, seconds: number }} run
 */
export function renderBenchSection(run) {
  const { name, results, machine, date, quick, seconds } = run;
  const rows = Object.entries(results).map(([key, value]) => `| ${escapeCell(key)} | ${escapeCell(formatValue(value))} |`);
  return [
    `<!-- bench:${name} -->`,
    `## ${name}`,
    '',
    `${machine.cpu}, ${machine.cores} cores, ${machine.platform}, Node ${machine.node}; ${date}; ` +
      `${quick ? '**quick run (small sizes)**' : 'full run'}, ${seconds.toFixed(1)} s.`,
    '',
    '| figure | value |',
    '|---|---:|',
    ...rows,
    `<!-- /bench:${name} -->`,
  ].join('\n');
}

/**
 * Puts `section` (from renderBenchSection) into `markdown`, replacing the section of the same
 * bench if there is one, otherwise appending it. An empty document gets REPORT_HEADER first.
 */
export function upsertBenchSection(markdown, name, section) {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const from = markdown.indexOf(start);
  if (from !== -1) {
    const to = markdown.indexOf(end, from);
    if (to === -1) throw new Error(`benchmarks report: section ${name} has a start marker but no end marker (${end})`);
    return markdown.slice(0, from) + section + markdown.slice(to + end.length);
  }
  const base = markdown.trim() === '' ? REPORT_HEADER : markdown.replace(/\s*$/, '\n');
  return `${base}\n${section}\n`;
}
