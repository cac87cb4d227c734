import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { validateCommand } from './cli/validate-command';
import { statsCommand } from './cli/stats-command';
import { importCommand, IMPORT_FORMATS } from './cli/import-command';
import { exportCommand, EXPORT_FORMATS } from './cli/export-command';
import { synthCommand } from './cli/synth-command';
import { UsageError } from './cli/progress';
import { toolVersion } from './core/version';

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number, got "${value}"`);
    return n;
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function oneOf<T extends string>(allowed: readonly T[]) {
  return (value: string): T => {
    if (!(allowed as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}`);
    return value as T;
  };
}

/** The program plus the exit code its last action resolved to. */
export function buildProgram(): { program: Command; exitCode: () => number } {
  let code = 0;
  const run = (work: Promise<number>) => work.then((c) => {
    code = c;
  });
  const program = new Command('mini-o3-studio')
    .description('Mini-o3 visual-search trajectories: generate, validate, import, export, summarize.')
    .version(toolVersion())
    .showHelpAfterError()
    .exitOverride();

  program
    .command('synth')
    .description('write seeded synthetic VisualProbe-style tasks and scripted Mini-o3 demonstrations')
    .requiredOption('--out <dir>', 'output folder (tasks.json, images/, demos.traj.jsonl)')
    .option('--tasks <n>', 'number of tasks', positiveInt('--tasks'), 8)
    .option('--seed <s>', 'random seed', positiveInt('--seed'), 1)
    .option('--rollouts <k>', 'scripted demonstrations per task', positiveInt('--rollouts'), 2)
    .option('--small', 'small images (600-900 px) for quick tries')
    .option('--overwrite', 'replace an existing tasks.json')
    .option('-q, --quiet', 'no progress output')
    .action((o) => run(synthCommand(o)));

  program
    .command('validate')
    .description('check a .traj.jsonl file: schema, Mini-o3 protocol, geometry. Exit 0 all valid, 1 not, 2 unusable input')
    .argument('<file>', 'a .traj.jsonl file')
    .option('--json', 'machine-readable findings')
    .option('--warnings', 'list warnings too')
    .option('--image-root <dir>', 'a folder outside the file\'s own that image paths may point into (repeatable)', collect, [])
    .option('-q, --quiet', 'no progress output')
    .action((file: string, o) => run(validateCommand(file, o)));

  program
    .command('import')
    .description('convert another format into a native .traj.jsonl file')
    .requiredOption('--format <format>', `one of ${IMPORT_FORMATS.join(', ')}`, oneOf(IMPORT_FORMATS))
    .requiredOption('--in <path>', 'input file or folder')
    .requiredOption('--out <file>', 'output .traj.jsonl')
    .option('--image-base <dir>', 'folder relative image paths are resolved against (Mini-o3 BASE_IMAGE_DIR)')
    .option('-q, --quiet', 'no progress output')
    .action((o) => run(importCommand(o)));

  program
    .command('export')
    .description('write SFT training data (accepted trajectories by default)')
    .requiredOption('--format <format>', `one of ${EXPORT_FORMATS.join(', ')}`, oneOf(EXPORT_FORMATS))
    .requiredOption('--in <file>', 'a .traj.jsonl file')
    .requiredOption('--out <dir>', 'output folder (must not exist or be empty, unless --overwrite)')
    .option('--status <status>', 'review status to export: accepted or any', oneOf(['accepted', 'any'] as const), 'accepted')
    .option('--labels <labels>', 'status labels to export, comma separated (default: valid)')
    .option('--data-source <sources>', 'only these data sources, comma separated')
    .option('--cutoff <tokens>', 'refuse samples over this many tokens (estimate)', positiveInt('--cutoff'), 32768)
    .option('--overwrite', 'replace an existing output folder')
    .option('--image-root <dir>', 'a folder outside the file\'s own that image paths may point into (repeatable)', collect, [])
    .option('-q, --quiet', 'no progress output')
    .action((o) => run(exportCommand(o)));

  program
    .command('stats')
    .description('counts by status, turns histogram, accuracy')
    .argument('<file>', 'a .traj.jsonl file')
    .option('--json', 'machine-readable output')
    .option('--image-root <dir>', 'a folder outside the file\'s own that image paths may point into (repeatable)', collect, [])
    .option('-q, --quiet', 'no progress output')
    .action((file: string, o) => run(statsCommand(file, o)));

  for (const command of program.commands) command.exitOverride().showHelpAfterError();
  return { program, exitCode: () => code };
}

export async function main(argv: string[]): Promise<number> {
  const { program, exitCode } = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode();
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    if (!(e instanceof UsageError) && process.env.MINI_O3_DEBUG) console.error(e);
    return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(2);
    },
  );
}
