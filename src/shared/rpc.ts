import type { Envelope } from '../protocol';

/** A request map: name -> { params, result }. */
export type RequestMap = Record<string, { params: unknown; result: unknown }>;
/** An event map: name -> body. */
export type EventMap = Record<string, unknown>;

export class RequestTimeoutError extends Error {
  constructor(readonly requestName: string, readonly ms: number) {
    super(`request "${requestName}" got no answer within ${ms} ms`);
  }
}

export class RemoteError extends Error {}

interface Pending {
  name: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

type RequestHandler = (params: unknown) => unknown;
type EventHandler = (body: unknown) => void;

/**
 * One side of a typed message channel (host or webview, or a test stand-in): sends requests
 * with ids that time out, answers the other side's requests, and sends and receives events.
 * The transport is a function to post an envelope; incoming envelopes are fed to `receive`.
 */
export class RpcEndpoint<OutRequests extends RequestMap, InRequests extends RequestMap, OutEvents extends EventMap, InEvents extends EventMap> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly requestHandlers = new Map<string, RequestHandler>();
  private readonly eventHandlers = new Map<string, EventHandler[]>();
  private closed = false;

  constructor(
    private readonly post: (envelope: Envelope, transfer?: Transferable[]) => void,
    private readonly defaultTimeoutMs: number,
  ) {}

  request<K extends keyof OutRequests & string>(
    name: K,
    params: OutRequests[K]['params'],
    options: { timeoutMs?: number } = {},
  ): Promise<OutRequests[K]['result']> {
    if (this.closed) return Promise.reject(new Error(`request "${name}" after the channel closed`));
    const id = this.nextId++;
    const ms = options.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RequestTimeoutError(name, ms));
      }, ms);
      this.pending.set(id, { name, resolve: resolve as (v: unknown) => void, reject, timer });
      this.post({ kind: 'request', id, name, params });
    });
  }

  emit<K extends keyof OutEvents & string>(name: K, body: OutEvents[K]): void {
    if (!this.closed) this.post({ kind: 'event', name, body });
  }

  handle<K extends keyof InRequests & string>(
    name: K,
    handler: (params: InRequests[K]['params']) => InRequests[K]['result'] | Promise<InRequests[K]['result']>,
  ): void {
    this.requestHandlers.set(name, handler as RequestHandler);
  }

  on<K extends keyof InEvents & string>(name: K, handler: (body: InEvents[K]) => void): () => void {
    const list = this.eventHandlers.get(name) ?? [];
    list.push(handler as EventHandler);
    this.eventHandlers.set(name, list);
    return () => {
      const current = this.eventHandlers.get(name) ?? [];
      this.eventHandlers.set(name, current.filter((h) => h !== handler));
    };
  }

  /** Feed every message that arrives from the other side here; anything that is not an envelope is ignored. */
  async receive(message: unknown): Promise<void> {
    if (!isEnvelope(message) || this.closed) return;
    if (message.kind === 'response') {
      const p = this.pending.get(message.id);
      if (!p) return;
      this.pending.delete(message.id);
      clearTimeout(p.timer);
      if (message.ok) p.resolve(message.result);
      else p.reject(new RemoteError(`${p.name}: ${message.error}`));
      return;
    }
    if (message.kind === 'event') {
      for (const h of this.eventHandlers.get(message.name) ?? []) {
        try {
          h(message.body);
        } catch (e) {
          console.error(`event handler for "${message.name}" failed`, e);
        }
      }
      return;
    }
    const handler = this.requestHandlers.get(message.name);
    if (!handler) {
      this.post({ kind: 'response', id: message.id, ok: false, error: `no handler for request "${message.name}"` });
      return;
    }
    try {
      const result = await handler(message.params);
      this.post({ kind: 'response', id: message.id, ok: true, result });
    } catch (e) {
      this.post({ kind: 'response', id: message.id, ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  }

  /** Fails every pending request and stops sending. */
  close(reason = 'the channel closed'): void {
    this.closed = true;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error(`${p.name}: ${reason}`));
      this.pending.delete(id);
    }
  }
}

function isEnvelope(value: unknown): value is Envelope {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { kind?: unknown; id?: unknown; name?: unknown };
  if (v.kind === 'event') return typeof v.name === 'string';
  if (v.kind === 'request') return typeof v.id === 'number' && typeof v.name === 'string';
  if (v.kind === 'response') return typeof v.id === 'number';
  return false;
}
