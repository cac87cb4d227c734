import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';

/**
 * Execution providers tried in order (default cuda → webgpu → cpu). onnxruntime does not fall
 * back by itself when a provider library fails to load, so each failure is caught here, turned
 * into a reason a person can act on, and the next provider is tried.
 */

export const EXECUTION_PROVIDERS = ['cuda', 'webgpu', 'cpu'] as const;
export type ExecutionProviderName = (typeof EXECUTION_PROVIDERS)[number];

export interface ProviderAttempt {
  ep: ExecutionProviderName;
  ok: boolean;
  /** Why it did not run (absent when it did). */
  reason?: string;
}

export class NoExecutionProviderError extends Error {
  constructor(readonly attempts: ProviderAttempt[]) {
    super(`no execution provider could load the model: ${attempts.map((a) => `${a.ep}: ${a.reason ?? 'ok'}`).join('; ')}`);
    this.name = 'NoExecutionProviderError';
  }
}

/** Parses `cuda,webgpu,cpu`; unknown names are refused with the list of known ones. */
export function parseExecutionProviders(text: string): ExecutionProviderName[] {
  const names = text.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  if (names.length === 0) throw new RangeError(`no execution provider given (use some of ${EXECUTION_PROVIDERS.join(', ')})`);
  for (const name of names) {
    if (!(EXECUTION_PROVIDERS as readonly string[]).includes(name)) {
      throw new RangeError(`unknown execution provider "${name}" (known: ${EXECUTION_PROVIDERS.join(', ')})`);
    }
  }
  return [...new Set(names)] as ExecutionProviderName[];
}

export interface SessionTuning {
  /** CPU threads for one operator (default: onnxruntime's choice, the physical cores). */
  intraOpThreads?: number;
  /** GPU index for cuda. */
  deviceId?: number;
}

export function sessionOptionsFor(ep: ExecutionProviderName, tuning: SessionTuning = {}): InferenceSession.SessionOptions {
  const options: InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    // Warnings about unused initializers and node placement are noise to a user.
    logSeverityLevel: 3,
  };
  if (tuning.intraOpThreads !== undefined) options.intraOpNumThreads = tuning.intraOpThreads;
  if (ep === 'cuda') options.executionProviders = [{ name: 'cuda', deviceId: tuning.deviceId ?? 0 }];
  else if (ep === 'webgpu') options.executionProviders = [{ name: 'webgpu' }];
  else options.executionProviders = ['cpu'];
  return options;
}

/** Folder onnxruntime-node loads its native libraries (and any provider libraries) from. */
export function onnxruntimeBinaryDir(): string | null {
  try {
    const pkg = require.resolve('onnxruntime-node/package.json');
    return path.join(path.dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return null;
  }
}

const CUDA_HINT = "put onnxruntime 1.30.0's CUDA provider libraries there and install CUDA 12 + cuDNN 9; README, section GPU";

/** Library names `ldd` reports as "not found" for `file`, or null when ldd cannot tell. */
function missingSharedLibraries(file: string): string[] | null {
  const result = spawnSync('ldd', [file], { encoding: 'utf8', timeout: 5000 });
  if (result.status !== 0 || typeof result.stdout !== 'string') return null;
  return result.stdout
    .split('\n')
    .filter((line) => line.includes('=> not found'))
    .map((line) => line.trim().split(/\s+/)[0]!)
    .filter((name) => name !== '');
}

function diagnoseCuda(message: string): string {
  if (process.platform !== 'linux' && process.platform !== 'win32') return `not available on ${process.platform} (${message})`;
  const dir = onnxruntimeBinaryDir();
  if (dir !== null && process.platform === 'linux') {
    const shared = path.join(dir, 'libonnxruntime_providers_shared.so');
    const cuda = path.join(dir, 'libonnxruntime_providers_cuda.so');
    const absent = [shared, cuda].filter((f) => !fs.existsSync(f));
    if (absent.length > 0) return `${absent.map((f) => path.basename(f)).join(' and ')} not found in ${dir} (${CUDA_HINT})`;
    const missing = missingSharedLibraries(cuda);
    if (missing && missing.length > 0) {
      return `${path.basename(cuda)} needs ${missing.join(', ')}, which the dynamic loader cannot find (install CUDA 12 and cuDNN 9, or add their lib folders to LD_LIBRARY_PATH)`;
    }
  }
  return `${message} (${CUDA_HINT})`;
}

const LIBRARY_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib', '/lib/x86_64-linux-gnu'];

function vulkanLoaderPresent(): boolean {
  const fromEnv = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d !== '');
  if ([...fromEnv, ...LIBRARY_DIRS].some((dir) => fs.existsSync(path.join(dir, 'libvulkan.so.1')))) return true;
  const cache = spawnSync('ldconfig', ['-p'], { encoding: 'utf8', timeout: 5000 });
  return typeof cache.stdout === 'string' && cache.stdout.includes('libvulkan.so.1');
}

function diagnoseWebGpu(message: string): string {
  const adapter = /Failed to get a WebGPU adapter[^\n]*/.exec(message)?.[0];
  if (process.platform === 'linux' && !vulkanLoaderPresent()) {
    return 'no Vulkan loader (libvulkan.so.1) found: install libvulkan1 and the GPU vendor\'s Vulkan driver to use WebGPU';
  }
  if (adapter) return `${adapter.trim()} (is the GPU's Vulkan driver installed?)`;
  return message.split('\n')[0]!.trim();
}

/**
 * A reason a provider cannot work here, found without asking onnxruntime (whose failed attempts
 * are slow and print native errors): missing provider libraries, no Vulkan loader. Null when
 * only trying will tell.
 */
export function providerPrecheck(ep: ExecutionProviderName): string | null {
  if (process.platform !== 'linux') return null;
  if (ep === 'cuda') {
    const dir = onnxruntimeBinaryDir();
    if (dir === null) return null;
    const absent = ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'].filter((f) => !fs.existsSync(path.join(dir, f)));
    return absent.length > 0 ? `${absent.join(' and ')} not found in ${dir} (${CUDA_HINT})` : null;
  }
  if (ep === 'webgpu' && !vulkanLoaderPresent()) {
    return 'no Vulkan loader (libvulkan.so.1) found: install libvulkan1 and the GPU vendor\'s Vulkan driver to use WebGPU';
  }
  return null;
}

/** A short reason for a provider that failed to create a session. */
export function diagnoseProviderFailure(ep: ExecutionProviderName, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (ep === 'cuda') return diagnoseCuda(message.trim());
  if (ep === 'webgpu') return diagnoseWebGpu(message);
  return message.split('\n')[0]!.trim();
}

/**
 * Calls `create(ep)` for each provider in order until one succeeds; every failure becomes an
 * attempt with its reason. Errors that are about the model, not the provider (`isModelError`),
 * are rethrown at once: trying another provider would only repeat them.
 */
export async function firstWorkingProvider<T>(
  order: readonly ExecutionProviderName[],
  create: (ep: ExecutionProviderName) => Promise<T>,
  isModelError: (error: unknown) => boolean,
): Promise<{ ep: ExecutionProviderName; value: T; attempts: ProviderAttempt[] }> {
  const attempts: ProviderAttempt[] = [];
  for (const ep of order) {
    const precheck = providerPrecheck(ep);
    if (precheck !== null) {
      attempts.push({ ep, ok: false, reason: precheck });
      continue;
    }
    try {
      const value = await create(ep);
      attempts.push({ ep, ok: true });
      return { ep, value, attempts };
    } catch (error) {
      if (isModelError(error)) throw error;
      attempts.push({ ep, ok: false, reason: diagnoseProviderFailure(ep, error) });
    }
  }
  throw new NoExecutionProviderError(attempts);
}

/** "running on cpu (cuda: …; webgpu: …)". */
export function describeProviderChoice(ep: ExecutionProviderName, attempts: readonly ProviderAttempt[]): string {
  const failed = attempts.filter((a) => !a.ok);
  const why = failed.length > 0 ? ` (${failed.map((a) => `${a.ep}: ${a.reason}`).join('; ')})` : '';
  return `onnx: running on ${ep}${why}`;
}
