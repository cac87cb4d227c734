// Runs Debian's /usr/bin/python3 (PIL + numpy) as an independent reference for the imaging tests.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

export const PYTHON = '/usr/bin/python3';

let available: string | null | undefined;

/** null when PIL and numpy are importable, otherwise the reason tests that need them are skipped. */
export function pythonUnavailableReason(): string | null {
  if (available !== undefined) return available;
  if (!fs.existsSync(PYTHON)) {
    available = `${PYTHON} not found`;
  } else {
    const r = spawnSync(PYTHON, ['-c', 'import PIL, numpy'], { encoding: 'utf8' });
    available = r.status === 0 ? null : `${PYTHON} lacks PIL/numpy: ${r.stderr.trim()}`;
  }
  return available;
}

/** Runs a python script with args; stdin bytes in, stdout bytes out; throws with stderr on failure. */
export function runPython(script: string, args: string[] = [], input?: Buffer): Buffer {
  const r = spawnSync(PYTHON, ['-c', script, ...args], {
    input,
    maxBuffer: 512 * 1024 * 1024,
  });
  if (r.status !== 0) {
    throw new Error(`python reference failed (${r.status}): ${r.stderr.toString()}`);
  }
  return r.stdout;
}

export function runPythonJson<T>(script: string, args: string[] = [], input?: Buffer): T {
  return JSON.parse(runPython(script, args, input).toString('utf8')) as T;
}

/** Deterministic, textured RGB pixels (noise over gradients) so resamplers are exercised. */
export function texturedPixels(width: number, height: number, seed = 1): Buffer {
  const data = Buffer.alloc(width * height * 3);
  let state = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    const pixel = Math.floor(i / 3);
    const x = pixel % width;
    const y = Math.floor(pixel / width);
    data[i] = ((state >>> 16) & 63) + ((x * 7 + y * 3 + (i % 3) * 50) & 191);
  }
  return data;
}

/** Python prelude: read concatenated raw RGB images from stdin by (w, h) specs. */
export const PY_READ_IMAGES = `
import sys, json
from PIL import Image
_stdin = sys.stdin.buffer.read()
def images(specs):
    off = 0
    for w, h in specs:
        yield Image.frombytes('RGB', (w, h), _stdin[off:off + w * h * 3])
        off += w * h * 3
`;
