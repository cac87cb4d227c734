import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { validateCommand } from './cli/validate-command';
import { statsCommand } from './cli/stats-command';
import { importCommand, IMPORT_FORMATS } from './cli/import-command';
import { exportCommand, EXPORT_FORMATS } from './cli/export-command';
import { synthCommand } from './cli/synth-command';
import { convertCommand, CONVERT_DTYPES } from './cli/convert-command';
import { searchCommand } from './cli/search-command';
import { evalCommand, evalReportCommand } from './cli/eval-command';
import { BACKENDS } from './cli/model-backend';
import { agreeCommand } from './cli/agree-command';
import { UsageError } from './cli/progress';
import { toolVersion } from './core/version';

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number, got "${value}"`);
    return n;
  };
}

function finiteNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number, got "${value}"`);
    return n;
  };
}

function intList(name: string) {
  return (value: string): number[] => {
    const parts = value.split(',').map((p) => p.trim());
    const numbers = parts.map(Number);
    if (parts.some((p) => p === '') || numbers.some((n) => !Number.isInteger(n) || n < 1)) {
      throw new InvalidArgumentError(`${name} must be whole numbers >= 1 separated by commas (e.g. 12,24,32), got "${value}"`);
    }
    return [...new Set(numbers)];
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

  program
    .command('search')
    .description('run one visual search with a served or local model; turns stream to stdout, the trajectory is appended to --out')
    .requiredOption('--image <file>', 'the image to search')
    .requiredOption('--question <text>', 'the question (Mini-o3\'s "<image>\\n" is put in front when it has no <image>)')
    .requiredOption('--out <file>', '.traj.jsonl to append the trajectory to (created if missing)')
    .option('--answer <text>', 'ground truth, for exact-match scoring')
    .option('--task-id <id>', 'task id (default: image name + a hash of image and question)')
    .option('--backend <backend>', `${BACKENDS.join(' or ')}: a served model, or a converted model folder run locally`, 'openai')
    .option('--ep <list>', 'onnx: execution providers to try in order (default cuda,webgpu,cpu)')
    .option('--url <url>', 'OpenAI-compatible model server, e.g. http://127.0.0.1:8000/v1 (API key from MINI_O3_API_KEY or OPENAI_API_KEY)')
    .option('--model <name>', 'served model name (default: the one model the server lists); with --backend onnx the model folder')
    .option('--max-turns <n>', 'turn limit (Mini-o3: 12)', positiveInt('--max-turns'))
    .option('--max-tokens <n>', 'per-turn token limit (Mini-o3: 8192)', positiveInt('--max-tokens'))
    .option('--temperature <t>', 'sampling temperature (default: the server\'s)', finiteNumber('--temperature'))
    .option('--top-p <p>', 'nucleus sampling (default: the server\'s)', finiteNumber('--top-p'))
    .option('--seed <s>', 'sampling seed', positiveInt('--seed'))
    .option('--timeout <seconds>', 'longest silence from the server before a retry (default 120)', positiveInt('--timeout'))
    .option('--copy-image', 'copy an image from outside --out\'s folder into its images/ (default: store a relative path and name the --image-root to use)')
    .option('-q, --quiet', 'print only the outcome')
    .action((o) => run(searchCommand(o)));

  program
    .command('eval')
    .description('run tasks × max-turn limits × k rollouts against a served or local model, judge them, report Avg@k; reruns resume')
    .requiredOption('--tasks <file>', 'VisualProbe-style tasks (.json/.jsonl: images, doc_id, problem, solution, data_source) or a .traj.jsonl')
    .requiredOption('--out <file>', '.traj.jsonl the trajectories are appended to; what it holds for the same run is skipped')
    .option('--backend <backend>', `${BACKENDS.join(' or ')}: a served model, or a converted model folder run locally`, 'openai')
    .option('--ep <list>', 'onnx: execution providers to try in order (default cuda,webgpu,cpu)')
    .option('--url <url>', 'OpenAI-compatible model server (API key from MINI_O3_API_KEY or OPENAI_API_KEY)')
    .option('--model <name>', 'served model name (default: the one model the server lists); with --backend onnx the model folder')
    .option('--n <k>', 'rollouts per task and limit (Avg@k; Mini-o3 reports k = 32)', positiveInt('--n'), 1)
    .option('--max-turns <list>', 'turn limits, comma separated (default: 12)', intList('--max-turns'))
    .option('--concurrency <c>', 'rollouts running at once', positiveInt('--concurrency'), 8)
    .option('--max-tokens <n>', 'per-turn token limit (Mini-o3: 8192)', positiveInt('--max-tokens'))
    .option('--temperature <t>', 'sampling temperature (Mini-o3 eval: 1.0)', finiteNumber('--temperature'), 1.0)
    .option('--top-p <p>', 'nucleus sampling (Mini-o3 eval: 1.0)', finiteNumber('--top-p'), 1.0)
    .option('--seed <s>', 'run seed; each rollout gets its own seed derived from it', positiveInt('--seed'))
    .option('--timeout <seconds>', 'longest silence from a server before a retry (default 120)', positiveInt('--timeout'))
    .option('--judge <judge>', 'exact (normalized exact match) or llm (Mini-o3\'s GPT judge prompts)', oneOf(['exact', 'llm'] as const), 'exact')
    .option('--judge-url <url>', 'OpenAI-compatible endpoint for --judge llm (API key from MINI_O3_JUDGE_API_KEY, else as the model server)')
    .option('--judge-model <name>', 'judge model (Mini-o3: gpt-4o-2024-11-20)')
    .option('--judge-max-tokens <n>', 'judge reply token limit (Mini-o3: 16384)', positiveInt('--judge-max-tokens'))
    .option('--image-base <dir>', 'VisualProbe: folder relative image paths are resolved against (Mini-o3 BASE_IMAGE_DIR)')
    .option('--image-root <dir>', 'a folder outside the tasks file\'s own that its image paths may point into (repeatable)', collect, [])
    .option('--report-json <file>', 'also write the metrics as JSON')
    .option('-q, --quiet', 'no progress output')
    .action((o) => run(evalCommand(o)));

  program
    .command('eval-report')
    .description('Avg@k, accuracy by data source and max-turn limit, over-turn/void/invalid rates of the eval runs in a file')
    .argument('<file>', 'a .traj.jsonl written by eval')
    .option('--run-key <key>', 'only this run')
    .option('--json', 'machine-readable output')
    .option('--report-json <file>', 'also write the metrics as JSON')
    .action((file: string, o) => run(evalReportCommand(file, o)));

  program
    .command('agree')
    .description('inter-annotator agreement of two annotated copies of a file: review-status kappa, box IoU and text distance on turns both edited')
    .argument('<a>', 'the first annotator\'s .traj.jsonl')
    .argument('<b>', 'the second annotator\'s .traj.jsonl (trajectories matched by id)')
    .option('--json', 'machine-readable output')
    .option('--image-root <dir>', 'a folder outside the files\' own that image paths may point into (repeatable)', collect, [])
    .action((a: string, b: string, o) => run(agreeCommand(a, b, o)));

  program
    .command('convert')
    .description('convert a Hugging Face Qwen2.5-VL checkpoint (safetensors) to ONNX in the transformers.js layout')
    .argument('<hf_dir>', 'checkpoint folder: config.json, model*.safetensors (+ index), tokenizer files')
    .argument('<out_dir>', 'output folder (onnx/*.onnx + external data, config.json, tokenizer files)')
    .option('--dtype <dtype>', `activations and weights: ${CONVERT_DTYPES.join(' or ')}`, oneOf(CONVERT_DTYPES), 'fp32')
    .option('--int4', 'Linear weights as int4 (MatMulNBits, block 32, asymmetric)')
    .option('--accuracy-level <n>', 'MatMulNBits accuracy_level for --int4 (0-4; 4 = fastest on CPU)', positiveInt('--accuracy-level'), 4)
    .option('-q, --quiet', 'no progress output')
    .option('--progress-json', 'progress on stderr as one JSON object a line, {"done","total","stage"} in source bytes (for a parent process)')
    .action((hfDir: string, outDir: string, o) => run(convertCommand(hfDir, outDir, o)));

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
