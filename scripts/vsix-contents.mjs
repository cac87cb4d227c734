// What is inside a VSIX, and whether it is what this extension should ship.
// Pure functions (no I/O) so that tests can feed them any file list.

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_HEADER_SIGNATURE = 0x02014b50;

/**
 * Lists the entries of a zip archive (a VSIX is one) from its central directory.
 * @param {Buffer} zip
 * @returns {{ name: string, size: number, compressedSize: number }[]}
 */
export function readZipEntries(zip) {
  const eocd = findEndOfCentralDirectory(zip);
  const count = zip.readUInt16LE(eocd + 10);
  const directoryOffset = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || directoryOffset === 0xffffffff) {
    throw new Error('zip64 archives are not supported (more than 65535 entries or over 4 GiB)');
  }
  const entries = [];
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== CENTRAL_HEADER_SIGNATURE) {
      throw new Error(`corrupt zip: central directory entry ${i} at byte ${at} has no valid header`);
    }
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    entries.push({ name, size, compressedSize });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

function findEndOfCentralDirectory(zip) {
  // The record is 22 bytes plus a comment of at most 65535 bytes, at the very end.
  const lowest = Math.max(0, zip.length - 22 - 0xffff);
  for (let at = zip.length - 22; at >= lowest; at--) {
    if (zip.readUInt32LE(at) === EOCD_SIGNATURE) return at;
  }
  throw new Error('not a zip archive: no end-of-central-directory record');
}

/** Top-level names a VSIX of this extension may contain (paths relative to `extension/`). */
const ALLOWED_TOP_LEVEL = [/^package\.json$/, /^LICENSE(\.\w+)?$/i, /^README\.md$/i, /^CHANGELOG\.md$/i, /^dist\//, /^media\//, /^node_modules\//];

const SOURCE_DIRECTORIES = ['src/', 'test/', 'webview/', 'bench/', 'scripts/', 'docs/', '.ci/'];

/**
 * Checks an extension's file list (as `vsce ls` prints it, or the VSIX entries under `extension/`)
 * against the packaging policy: bundled code only, runtime dependencies with linux-x64 binaries only.
 * @param {string[]} paths  relative to the extension root, forward slashes
 * @param {{ devDependencies?: string[], dependencies?: string[], mainFile?: string, strictTopLevel?: boolean }} options
 *   mainFile: must be present (e.g. 'dist/extension.js'); strictTopLevel: flag anything outside ALLOWED_TOP_LEVEL.
 * @returns {string[]} one message per problem, empty when the list is fine
 */
export function findPackagingProblems(paths, options = {}) {
  const { devDependencies = [], dependencies = [], mainFile, strictTopLevel = true } = options;
  const problems = [];
  const runtime = new Set(dependencies);
  const bundledOnly = devDependencies.filter((name) => !runtime.has(name));

  for (const path of paths) {
    const source = SOURCE_DIRECTORIES.find((dir) => path.startsWith(dir));
    if (source) problems.push(`${path}: source/tooling file (${source} must be excluded in .vscodeignore)`);
    else if (path.endsWith('.map')) problems.push(`${path}: source map`);
    else if (strictTopLevel && !ALLOWED_TOP_LEVEL.some((re) => re.test(path))) {
      problems.push(`${path}: not expected in the VSIX (add it to .vscodeignore, or to ALLOWED_TOP_LEVEL in scripts/vsix-contents.mjs)`);
    }
    const dev = bundledOnly.find((name) => path.startsWith(`node_modules/${name}/`));
    if (dev) problems.push(`${path}: devDependency ${dev} is bundled by esbuild and must not ship in node_modules`);
    const ort = /^node_modules\/onnxruntime-node\/bin\/napi-v\d+\/([^/]+)\/([^/]+)\//.exec(path);
    if (ort && !(ort[1] === 'linux' && ort[2] === 'x64')) problems.push(`${path}: onnxruntime-node binary for ${ort[1]}/${ort[2]}`);
    const img = /^node_modules\/@img\/(sharp-(?:libvips-)?([^/]+))\//.exec(path);
    if (img && img[2] !== 'linux-x64') problems.push(`${path}: sharp native package ${img[1]} is not linux-x64`);
  }

  const has = (re) => paths.some((path) => re.test(path));
  if (!paths.includes('package.json')) problems.push('package.json: missing');
  if (mainFile && !paths.includes(mainFile.replace(/^\.\//, ''))) problems.push(`${mainFile}: main file missing (did the build run?)`);
  if (runtime.has('onnxruntime-node') && !has(/^node_modules\/onnxruntime-node\/bin\/napi-v\d+\/linux\/x64\/onnxruntime_binding\.node$/)) {
    problems.push('node_modules/onnxruntime-node: linux-x64 onnxruntime_binding.node missing');
  }
  if (runtime.has('sharp') && !has(/^node_modules\/@img\/sharp-linux-x64\/lib\/.*\.node$/)) {
    problems.push('node_modules/@img/sharp-linux-x64: native sharp binding missing');
  }
  return problems;
}
