#!/usr/bin/env node
// Runs the benchmarks bench/*.bench.ts, each in its own `node --import tsx` process, prints a table
// per bench and updates its section of docs/benchmarks.md.
// A bench file exports `run(opts: { quick: boolean }): Record<string, number|string> | Promise<...>`.
// Usage: node scripts/bench.mjs [--only NAME[,NAME]]... [--quick] [--no-report] [--dir DIR] [--report FILE]
//   NAME is the file name without .bench.ts; --quick asks each bench for small sizes.
import { fork } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { cpus, platform, release } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkBenchResult, renderBenchSection, renderConsoleTable, upsertBenchSection } from './bench-report.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BENCH_SUFFIX = '.bench.ts';

function parseArgs(argv) {
  const options = { only: [], quick: false, report: true, dir: join(root, 'bench'), reportFile: join(root, 'docs', 'benchmarks.md'), child: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--only') options.only.push(...value().split(',').filter(Boolean));
    else if (arg === '--quick') options.quick = true;
    else if (arg === '--no-report') options.report = false;
    else if (arg === '--dir') options.dir = resolve(value());
    else if (arg === '--report') options.reportFile = resolve(value());
    else if (arg === '--child') options.child = value();
    else throw new Error(`unknown option ${arg} (see the usage at the top of scripts/bench.mjs)`);
  }
  return options;
}

/** Child side: import one bench file, run it, send the figures to the parent. */
async function runChild(file, quick) {
  const send = (message) => new Promise((done) => process.send(message, done));
  try {
    const mod = await import(pathToFileURL(file).href);
    if (typeof mod.run !== 'function') throw new Error(`${file}: does not export a run(opts) function`);
    const results = await mod.run({ quick });
    const problems = checkBenchResult(results);
    if (problems.length > 0) throw new Error(`${file}: ${problems.join('; ')}`);
    await send({ ok: true, results });
  } catch (error) {
    await send({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
  process.exit(0);
}

/** Parent side: one bench in a fresh process; resolves to its figures or an error text. */
function runInChild(file, quick) {
  return new Promise((resolveRun) => {
    let message = null;
    const args = ['--child', file, ...(quick ? ['--quick'] : [])];
    const child = fork(fileURLToPath(import.meta.url), args, {
      cwd: root,
      execArgv: ['--import', 'tsx', '--expose-gc'],
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (received) => {
      message = received;
    });
    child.on('exit', (code, signal) => {
      if (message) resolveRun(message);
      else resolveRun({ ok: false, error: `bench process exited with ${signal ?? `code ${code}`} before reporting` });
    });
  });
}

function findBenches(dir, only) {
  if (!existsSync(dir)) return [];
  const all = readdirSync(dir)
    .filter((name) => name.endsWith(BENCH_SUFFIX))
    .sort()
    .map((name) => ({ name: basename(name, BENCH_SUFFIX), file: join(dir, name) }));
  const unknown = only.filter((name) => !all.some((bench) => bench.name === name));
  if (unknown.length > 0) {
    throw new Error(`no bench named ${unknown.join(', ')} in ${relative(root, dir) || dir} (have: ${all.map((b) => b.name).join(', ') || 'none'})`);
  }
  return only.length === 0 ? all : all.filter((bench) => only.includes(bench.name));
}

function describeMachine() {
  const cpuList = cpus();
  return {
    cpu: cpuList[0]?.model.trim() ?? 'unknown CPU',
    cores: cpuList.length,
    node: process.version,
    platform: `${platform()} ${release()}`,
  };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.child) return runChild(options.child, options.quick);

  const benches = findBenches(options.dir, options.only);
  if (benches.length === 0) {
    console.error(`no *${BENCH_SUFFIX} files in ${relative(root, options.dir) || options.dir}`);
    process.exit(1);
  }
  const machine = describeMachine();
  console.log(`${benches.length} bench(es) on ${machine.cpu} (${machine.cores} cores), Node ${machine.node}${options.quick ? ', quick' : ''}`);

  const failed = [];
  let report = options.report && existsSync(options.reportFile) ? readFileSync(options.reportFile, 'utf8') : '';
  for (const bench of benches) {
    console.log(`\n== ${bench.name}`);
    const started = performance.now();
    const outcome = await runInChild(bench.file, options.quick);
    const seconds = (performance.now() - started) / 1000;
    if (!outcome.ok) {
      console.error(`FAILED ${bench.name} after ${seconds.toFixed(1)} s:\n${outcome.error}`);
      failed.push(bench.name);
      continue;
    }
    console.log(renderConsoleTable(outcome.results));
    console.log(`(${seconds.toFixed(1)} s)`);
    if (options.report) {
      const date = new Date().toISOString().slice(0, 10);
      const section = renderBenchSection({ name: bench.name, results: outcome.results, machine, date, quick: options.quick, seconds });
      report = upsertBenchSection(report, bench.name, section);
      mkdirSync(dirname(options.reportFile), { recursive: true });
      writeFileSync(options.reportFile, report);
    }
  }
  if (options.report) console.log(`\nreport: ${relative(root, options.reportFile)}`);
  if (failed.length > 0) {
    console.error(`${failed.length} bench(es) failed: ${failed.join(', ')}`);
    process.exit(1);
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
