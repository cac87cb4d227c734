#!/usr/bin/env node
// Bundles the extension host code, the CLI and the webview into dist/.
// Usage: node esbuild.mjs [--watch] [--production]   (NODE_ENV=production also means production)
// Production: minified, no source maps. Development: linked source maps.
import * as esbuild from 'esbuild';
import { chmodSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const args = new Set(process.argv.slice(2));
const watch = args.has('--watch');
const production = args.has('--production') || process.env.NODE_ENV === 'production';
const outdir = join(root, 'dist');

// Native modules must be loaded from node_modules at run time; vscode is provided by the host.
const NODE_EXTERNALS = ['vscode', 'sharp', 'onnxruntime-node'];

// The node bundles are CommonJS, where `import.meta.url` would be empty; give it the real value.
const IMPORT_META_URL_SHIM = "const __importMetaUrl = require('url').pathToFileURL(__filename).href;";

// Fonts and images referenced from webview code or CSS (codicons) are copied next to the bundle.
const ASSET_LOADERS = { '.ttf': 'file', '.woff': 'file', '.woff2': 'file', '.svg': 'file', '.png': 'file' };

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  metafile: true,
  logLevel: 'warning',
  absWorkingDir: root,
  legalComments: production ? 'none' : 'inline',
};

const nodeCommon = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: NODE_EXTERNALS,
  define: { 'import.meta.url': '__importMetaUrl' },
};

/** Marks a built file executable after every (re)build. */
function chmodExecutable(file) {
  return {
    name: 'chmod-executable',
    setup(build) {
      build.onEnd((result) => {
        if (result.errors.length === 0 && existsSync(file)) chmodSync(file, 0o755);
      });
    },
  };
}

/** In watch mode, reports every build (the first one included) with its output sizes. */
function watchReporter(label) {
  return {
    name: 'watch-reporter',
    setup(build) {
      build.onEnd((result) => {
        const time = new Date().toLocaleTimeString();
        if (result.errors.length > 0) {
          console.error(`[${time}] ${label}: ${result.errors.length} error(s)`);
          return;
        }
        console.log(`[${time}] built ${label}`);
        if (result.metafile) printSizes(result.metafile);
      });
    },
  };
}

function webviewStyles() {
  const dir = join(root, 'webview');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.css'))
    .sort()
    .map((name) => join('webview', name));
}

/** Every build this project has; `entries` are relative to the repository root. */
function buildDefinitions() {
  const styles = webviewStyles();
  return [
    {
      label: 'extension',
      entries: ['src/extension.ts'],
      options: { ...nodeCommon, outfile: join(outdir, 'extension.js'), banner: { js: IMPORT_META_URL_SHIM } },
    },
    {
      label: 'cli',
      entries: ['src/cli.ts'],
      options: {
        ...nodeCommon,
        outfile: join(outdir, 'cli.js'),
        banner: { js: `#!/usr/bin/env node\n${IMPORT_META_URL_SHIM}` },
        plugins: [chmodExecutable(join(outdir, 'cli.js'))],
      },
    },
    {
      // The onnx backend's worker thread, located at run time beside the bundle that starts it.
      label: 'onnx worker',
      entries: ['src/core/model/onnx/worker.ts'],
      options: { ...nodeCommon, outfile: join(outdir, 'onnx-worker.js'), banner: { js: IMPORT_META_URL_SHIM } },
    },
    {
      label: 'webview',
      entries: ['webview/main.ts'],
      options: {
        ...common,
        outfile: join(outdir, 'webview.js'),
        platform: 'browser',
        format: 'iife',
        target: 'es2022',
        define: { 'process.env.NODE_ENV': JSON.stringify(production ? 'production' : 'development') },
        loader: ASSET_LOADERS,
        assetNames: '[name]',
      },
    },
    {
      label: 'webview styles',
      entries: styles,
      options: {
        ...common,
        outdir,
        platform: 'browser',
        target: 'es2022',
        loader: ASSET_LOADERS,
        assetNames: '[name]',
      },
      skipNote: styles.length === 0 ? 'no webview/*.css' : null,
    },
  ];
}

function formatBytes(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

function printSizes(metafile) {
  for (const [file, info] of Object.entries(metafile.outputs)) {
    if (file.endsWith('.map')) continue;
    console.log(`  ${relative(root, join(root, file)).padEnd(28)} ${formatBytes(info.bytes).padStart(11)}`);
  }
}

/** Drops missing entry files; returns null (with a one-line note) when nothing is left to build. */
function resolveDefinition(def) {
  if (def.skipNote) {
    console.log(`skip ${def.label}: ${def.skipNote}`);
    return null;
  }
  const present = def.entries.filter((entry) => existsSync(join(root, entry)));
  for (const missing of def.entries.filter((entry) => !present.includes(entry))) {
    console.log(`skip ${def.label}: ${missing} does not exist yet`);
  }
  if (present.length === 0) return null;
  return { ...def, options: { ...def.options, entryPoints: present } };
}

async function buildOnce(defs) {
  let failed = false;
  for (const def of defs) {
    try {
      const result = await esbuild.build(def.options);
      console.log(`built ${def.label}`);
      printSizes(result.metafile);
    } catch {
      // esbuild has already printed the errors (logLevel 'warning').
      console.error(`FAILED ${def.label}`);
      failed = true;
    }
  }
  return !failed;
}

async function startWatching(defs) {
  for (const def of defs) {
    const plugins = [...(def.options.plugins ?? []), watchReporter(def.label)];
    const ctx = await esbuild.context({ ...def.options, plugins });
    await ctx.watch();
  }
  console.log('watching for changes (Ctrl+C to stop)');
}

console.log(`esbuild ${esbuild.version}, ${production ? 'production' : 'development'} mode`);
const defs = buildDefinitions().map(resolveDefinition).filter((def) => def !== null);
if (defs.length === 0) {
  console.error('nothing to build: no entry point exists');
  process.exit(1);
}
if (watch) {
  await startWatching(defs);
} else {
  // A clean dist/ so that no stale output (old source maps in production) gets packaged.
  rmSync(outdir, { recursive: true, force: true });
  const ok = await buildOnce(defs);
  if (!ok) process.exit(1);
}
