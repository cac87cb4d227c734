import type { ImageRef } from '../../src/protocol';
import type { WebviewRpc } from '../rpc-client';

/** Requests in flight at once; the rest wait, nearest-first order is the caller's. */
const MAX_IN_FLIGHT = 6;

export interface ThumbnailRequest {
  key: string;
  line: number;
  observation: number;
  maxSide: number;
}

/**
 * Thumbnails of tree nodes, fetched lazily (only for nodes in view) and kept by key.
 * `key` names the picture, not the node, so that an edited crop box gets a new picture.
 */
export class ThumbnailLoader {
  private readonly done = new Map<string, ImageRef>();
  private readonly waiting = new Map<string, ThumbnailRequest>();
  private readonly running = new Set<string>();

  constructor(private readonly rpc: WebviewRpc, private readonly onLoaded: (key: string, ref: ImageRef) => void) {}

  get(key: string): ImageRef | undefined {
    return this.done.get(key);
  }

  /** Queues pictures not yet loaded or loading. */
  want(requests: readonly ThumbnailRequest[]): void {
    for (const request of requests) {
      if (this.done.has(request.key) || this.running.has(request.key)) continue;
      this.waiting.set(request.key, request);
    }
    this.pump();
  }

  /** Forget queued requests that are no longer in view. */
  keepOnly(keys: ReadonlySet<string>): void {
    for (const key of this.waiting.keys()) if (!keys.has(key)) this.waiting.delete(key);
  }

  private pump(): void {
    while (this.running.size < MAX_IN_FLIGHT && this.waiting.size > 0) {
      const [key, request] = this.waiting.entries().next().value as [string, ThumbnailRequest];
      this.waiting.delete(key);
      this.running.add(key);
      void this.load(request);
    }
  }

  private async load(request: ThumbnailRequest): Promise<void> {
    let ref: ImageRef;
    try {
      ref = await this.rpc.request('getImage', { line: request.line, kind: 'thumbnail', observation: request.observation, maxSide: request.maxSide });
    } catch (error) {
      ref = { uri: null, width: 0, height: 0, error: error instanceof Error ? error.message : String(error) };
    }
    this.running.delete(request.key);
    this.done.set(request.key, ref);
    this.onLoaded(request.key, ref);
    this.pump();
  }
}
