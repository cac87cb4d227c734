/**
 * Failures while running the model, turned into messages that say what ran out and what to try.
 * Out-of-memory shows up in many spellings: onnxruntime's allocator, CUDA's, std::bad_alloc,
 * and V8's own when a buffer for a tensor cannot be allocated.
 */

const OUT_OF_MEMORY = /out of memory|Failed to allocate memory|bad_alloc|cudaErrorMemoryAllocation|CUDA failure 2\b|Array buffer allocation failed|Invalid typed array length|Cannot allocate memory|Allocation failed/i;

export class OnnxOutOfMemoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxOutOfMemoryError';
  }
}

export class OnnxRunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxRunError';
  }
}

export function isOutOfMemory(error: unknown): boolean {
  if (error instanceof OnnxOutOfMemoryError) return true;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return OUT_OF_MEMORY.test(message);
}

export interface RunContext {
  ep: string;
  /** e.g. "prefill of 3120 tokens", "vision encoder (image 2, 4920 patches)". */
  stage: string;
}

/** Wraps an error from a session run with what was running; OOM gets advice. */
export function describeRunFailure(error: unknown, context: RunContext): Error {
  if (error instanceof OnnxOutOfMemoryError || error instanceof OnnxRunError) return error;
  const message = error instanceof Error ? error.message.split('\n')[0]!.trim() : String(error);
  if (isOutOfMemory(error)) {
    return new OnnxOutOfMemoryError(
      `out of memory on ${context.ep} during the ${context.stage} (${message}). ` +
        'Lower max_pixels (fewer image tokens) or max_context, use a smaller model variant (int4), ' +
        'or run this search on the served (OpenAI-compatible) backend.',
    );
  }
  return new OnnxRunError(`onnxruntime failed on ${context.ep} during the ${context.stage}: ${message}`);
}
