import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A real OpenAI-compatible chat-completions server on 127.0.0.1 (random port) for tests: it
 * replays scripted model outputs turn by turn, records every request byte for byte, and can
 * inject faults. It behaves like vLLM where that matters: generation stops at the first stop
 * string of the request (kept in the text when `include_stop_str_in_output` is set), the
 * choice carries `stop_reason`, streaming is SSE ending with `data: [DONE]`, and
 * `stream_options.include_usage` adds a usage-only last chunk.
 *
 *   const server = await OpenAiTestServer.start();
 *   server.conversation('What is written on the sign?', [turn0, turn1]);
 *   ... new OpenAiPolicy({ url: server.url, model: 'test' }) ...
 *   await server.close();
 *
 * A request's conversation is the first registered one whose `match` occurs in the text of
 * the request's first user message; its turn is the number of assistant messages it holds, so
 * a retried request gets the same reply. Requests matching no conversation take replies from
 * the `enqueue` queue in order. The server closes itself after `lifetimeMs`.
 */

export interface ScriptedTurn {
  /** What the model "generates"; cut at the first stop string of the request, as vLLM would. */
  text: string;
  /** Finish reason when no stop string cut the text; default 'stop' (eos). */
  finishReason?: 'stop' | 'length';
  /** Usage to report; null reports none; default per the server's `usage` option. */
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  /** Behave like a server that drops the stop string whatever the request says. */
  stripStopString?: boolean;
  /** Leave out vLLM's `stop_reason` (as servers without it do). */
  omitStopReason?: boolean;
  /** Characters per streamed delta (default 7). */
  chunkChars?: number;
  /** Pause between streamed deltas (default 0). */
  chunkDelayMs?: number;
}

export type Fault =
  /** An error status, e.g. 500, or 429 with `retryAfter: '1'`. */
  | { kind: 'status'; status: number; body?: string; contentType?: string; retryAfter?: string }
  /** Destroy the connection: before any response, or after streaming `afterChars` characters. */
  | { kind: 'drop'; afterChars?: number }
  /** Never answer (or stop sending after `afterChars` streamed characters) and keep the connection open. */
  | { kind: 'stall'; afterChars?: number }
  /** HTTP 200 with an HTML page (a proxy's or web server's). */
  | { kind: 'html'; status?: number }
  /** HTTP 200, JSON content type, a body cut off mid-object. */
  | { kind: 'truncatedJson' }
  /** An `{"error": ...}` event inside the stream after `afterChars` characters, then the end of the stream. */
  | { kind: 'streamError'; afterChars?: number; message?: string; code?: number };

export interface FaultCondition {
  /** Only a request of this conversation (its `match` text). */
  conversation?: string;
  /** Only a request for this turn (its number of assistant messages). */
  turn?: number;
}

export interface RecordedRequest {
  index: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as received. */
  rawBody: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  body: ChatRequestBody | undefined;
  /** The conversation's `match`, or null for queued replies. */
  conversation: string | null;
  turn: number;
  /** The fault injected into this request, if any. */
  fault: Fault['kind'] | null;
}

/** The request fields the server reads; everything else is kept in `rawBody`. */
export interface ChatRequestBody {
  model?: string;
  messages?: { role: string; content: string | ({ type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } })[] }[];
  stop?: string[] | string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  include_stop_str_in_output?: boolean;
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  seed?: number;
  [key: string]: unknown;
}

export interface OpenAiTestServerOptions {
  /** 'auto' (default): usage by a fixed rule (ceil(UTF-8 bytes / 4) per text, ceil(w/28)*ceil(h/28) per PNG); 'none': no usage. */
  usage?: 'auto' | 'none';
  /** SSE line ending (default "\n"). */
  lineEnding?: '\n' | '\r\n';
  /** Interleave `: keep-alive` comment lines in streams. */
  sseComments?: boolean;
  /** Write every SSE event in two pieces split mid-line (and mid-character). */
  splitWrites?: boolean;
  /** Requests after this many get HTTP 503 (default 1000). */
  maxRequests?: number;
  /** The server closes itself after this long (default 60 s). */
  lifetimeMs?: number;
  /** When set, requests without `Authorization: Bearer <key>` get 401. */
  apiKey?: string;
}

const MAX_BODY_BYTES = 256 * 1024 * 1024;

export class OpenAiTestServer {
  readonly requests: RecordedRequest[] = [];
  private readonly conversations: { match: string; turns: ScriptedTurn[] }[] = [];
  private readonly queue: ScriptedTurn[] = [];
  private readonly faults: { fault: Fault; when: FaultCondition }[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly lifetime: NodeJS.Timeout;
  private closed: Promise<void> | null = null;

  private constructor(private readonly server: Server, readonly url: string, private readonly options: OpenAiTestServerOptions) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.lifetime = setTimeout(() => void this.close(), options.lifetimeMs ?? 60_000);
    this.lifetime.unref();
  }

  static async start(options: OpenAiTestServerOptions = {}): Promise<OpenAiTestServer> {
    let self: OpenAiTestServer | undefined;
    const server = createServer((req, res) => void self?.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    self = new OpenAiTestServer(server, `http://127.0.0.1:${port}`, options);
    return self;
  }

  /** Scripted turns for the conversation whose first user message contains `match`. */
  conversation(match: string, turns: readonly (ScriptedTurn | string)[]): this {
    this.conversations.push({ match, turns: turns.map(asTurn) });
    return this;
  }

  /** Replies for requests of no registered conversation, served in order. */
  enqueue(...turns: (ScriptedTurn | string)[]): this {
    this.queue.push(...turns.map(asTurn));
    return this;
  }

  /** Faults injected into the next matching requests, one per request, in order. */
  fault(fault: Fault, when: FaultCondition = {}): this {
    this.faults.push({ fault, when });
    return this;
  }

  /** Faults not yet injected. */
  get pendingFaults(): number {
    return this.faults.length;
  }

  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      clearTimeout(this.lifetime);
      for (const socket of this.sockets) socket.destroy();
      this.server.close(() => resolve());
    });
    return this.closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let rawBody: string;
    try {
      rawBody = await readBody(req);
    } catch {
      res.writeHead(413).end();
      return;
    }
    let body: ChatRequestBody | undefined;
    try {
      body = JSON.parse(rawBody) as ChatRequestBody;
    } catch {
      body = undefined;
    }
    const conversation = body ? this.conversationOf(body) : null;
    const turn = body?.messages?.filter((m) => m.role === 'assistant').length ?? 0;
    const record: RecordedRequest = {
      index: this.requests.length, method: req.method ?? '', path: req.url ?? '', headers: req.headers, rawBody, body,
      conversation: conversation?.match ?? null, turn, fault: null,
    };
    this.requests.push(record);

    if (this.requests.length > (this.options.maxRequests ?? 1000)) return sendJson(res, 503, errorBody('test server: request limit reached', 503));
    if (req.method !== 'POST' || !/^\/v1\/chat\/completions\/?$/.test(req.url ?? '')) {
      return sendJson(res, 404, errorBody(`test server: no route ${req.method} ${req.url}`, 404));
    }
    if (this.options.apiKey !== undefined && req.headers.authorization !== `Bearer ${this.options.apiKey}`) {
      return sendJson(res, 401, errorBody('test server: invalid API key', 401));
    }
    if (!body) return sendJson(res, 400, errorBody('test server: the request body is not JSON', 400));

    const faultIndex = this.faults.findIndex(({ when }) =>
      (when.conversation === undefined || when.conversation === conversation?.match) && (when.turn === undefined || when.turn === turn));
    const fault = faultIndex === -1 ? null : this.faults.splice(faultIndex, 1)[0]!.fault;
    record.fault = fault?.kind ?? null;

    let scripted: ScriptedTurn | undefined;
    if (conversation) scripted = conversation.turns[turn];
    // A faulted request leaves its queued reply for the retry.
    else scripted = fault ? this.queue[0] : this.queue.shift();

    if (fault && (fault.kind === 'drop' || fault.kind === 'stall') && fault.afterChars === undefined) {
      if (fault.kind === 'drop') req.socket.destroy();
      return;
    }
    if (fault?.kind === 'status') {
      const headers: Record<string, string> = { 'content-type': fault.contentType ?? 'application/json' };
      if (fault.retryAfter !== undefined) headers['retry-after'] = fault.retryAfter;
      res.writeHead(fault.status, headers).end(fault.body ?? JSON.stringify(errorBody(`test server: injected HTTP ${fault.status}`, fault.status)));
      return;
    }
    if (fault?.kind === 'html') {
      res.writeHead(fault.status ?? 200, { 'content-type': 'text/html; charset=utf-8' })
        .end('<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1></body></html>\n');
      return;
    }
    if (fault?.kind === 'truncatedJson') {
      const cut = '{"id":"chatcmpl-test","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"<think>';
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(cut)) }).end(cut);
      return;
    }
    if (!scripted) {
      const where = conversation ? `conversation "${conversation.match}" has no turn ${turn}` : 'no conversation matches and the queue is empty';
      return sendJson(res, 400, errorBody(`test server: no scripted reply (${where})`, 400));
    }
    const reply = completionOf(scripted, body, this.options);
    if (body.stream) await this.stream(res, reply, scripted, body, fault);
    else sendJson(res, 200, wholeCompletion(reply, body.model));
  }

  private conversationOf(body: ChatRequestBody): { match: string; turns: ScriptedTurn[] } | null {
    const first = body.messages?.find((m) => m.role === 'user');
    if (!first) return null;
    const text = typeof first.content === 'string' ? first.content
      : first.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
    return this.conversations.find((c) => text.includes(c.match)) ?? null;
  }

  private async stream(res: ServerResponse, reply: Reply, scripted: ScriptedTurn, body: ChatRequestBody, fault: Fault | null): Promise<void> {
    const eol = this.options.lineEnding ?? '\n';
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    const write = async (event: string): Promise<void> => {
      if (res.destroyed) return;
      const text = event.split('\n').join(eol);
      if (this.options.splitWrites) {
        const bytes = Buffer.from(text);
        const mid = Math.max(1, Math.floor(bytes.length / 2));
        res.write(bytes.subarray(0, mid));
        await new Promise((resolve) => setImmediate(resolve));
        res.write(bytes.subarray(mid));
      } else {
        res.write(text);
      }
    };
    const chunk = (delta: Record<string, unknown>, finish: Record<string, unknown> = { finish_reason: null }) =>
      `data: ${JSON.stringify({ id: 'chatcmpl-test', object: 'chat.completion.chunk', model: body.model, choices: [{ index: 0, delta, ...finish }] })}\n\n`;

    if (this.options.sseComments) await write(': keep-alive\n\n');
    await write(chunk({ role: 'assistant', content: '' }));
    const size = Math.max(1, scripted.chunkChars ?? 7);
    const chars = [...reply.text];
    let sent = 0;
    const interrupt = async (): Promise<void> => {
      if (fault?.kind === 'drop') res.socket?.destroy();
      if (fault?.kind === 'streamError') {
        const error = { message: fault.message ?? 'test server: injected stream error', type: 'TestServerError', code: fault.code ?? 500 };
        await write(`data: ${JSON.stringify({ error })}\n\n`);
        await write('data: [DONE]\n\n');
        res.end();
      }
    };
    const interrupts = fault && (fault.kind === 'drop' || fault.kind === 'stall' || fault.kind === 'streamError') ? fault.afterChars ?? 0 : null;
    for (let i = 0; i < chars.length; i += size) {
      if (interrupts !== null && sent >= interrupts) return interrupt();
      const piece = chars.slice(i, i + size).join('');
      sent += piece.length;
      await write(chunk({ content: piece }));
      if (this.options.sseComments && i % (size * 3) === 0) await write(': keep-alive\n\n');
      if (scripted.chunkDelayMs) await new Promise((resolve) => setTimeout(resolve, scripted.chunkDelayMs));
    }
    if (interrupts !== null) return interrupt();
    const finish: Record<string, unknown> = { finish_reason: reply.finishReason };
    if (reply.stopReason !== undefined) finish.stop_reason = reply.stopReason;
    await write(chunk({}, finish));
    if (reply.usage && body.stream_options?.include_usage) {
      await write(`data: ${JSON.stringify({ id: 'chatcmpl-test', object: 'chat.completion.chunk', model: body.model, choices: [], usage: reply.usage })}\n\n`);
    }
    await write('data: [DONE]\n\n');
    res.end();
  }
}

interface Reply {
  text: string;
  finishReason: 'stop' | 'length';
  /** undefined: not reported; null: eos; string: the stop string. */
  stopReason: string | null | undefined;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
}

/** What vLLM would answer for this script and request: cut at the first stop string. */
function completionOf(scripted: ScriptedTurn, body: ChatRequestBody, options: OpenAiTestServerOptions): Reply {
  const stops = body.stop === undefined ? [] : Array.isArray(body.stop) ? body.stop : [body.stop];
  let cut: { at: number; stop: string } | null = null;
  for (const stop of stops) {
    const at = scripted.text.indexOf(stop);
    if (stop !== '' && at !== -1 && (cut === null || at < cut.at)) cut = { at, stop };
  }
  let text = scripted.text;
  let finishReason: 'stop' | 'length' = scripted.finishReason ?? 'stop';
  let stopReason: string | null | undefined = null;
  if (cut) {
    const keep = body.include_stop_str_in_output === true && !scripted.stripStopString;
    text = scripted.text.slice(0, cut.at) + (keep ? cut.stop : '');
    finishReason = 'stop';
    stopReason = cut.stop;
  }
  if (scripted.omitStopReason || finishReason === 'length') stopReason = undefined;
  let usage: Reply['usage'] = null;
  if (scripted.usage !== null && (scripted.usage !== undefined || options.usage !== 'none')) {
    const counted = scripted.usage ?? { prompt_tokens: promptTokensOf(body), completion_tokens: textTokens(text) };
    usage = { ...counted, total_tokens: counted.prompt_tokens + counted.completion_tokens };
  }
  return { text, finishReason, stopReason, usage };
}

function wholeCompletion(reply: Reply, model: string | undefined): Record<string, unknown> {
  const choice: Record<string, unknown> = { index: 0, message: { role: 'assistant', content: reply.text }, finish_reason: reply.finishReason };
  if (reply.stopReason !== undefined) choice.stop_reason = reply.stopReason;
  const out: Record<string, unknown> = { id: 'chatcmpl-test', object: 'chat.completion', model, choices: [choice] };
  if (reply.usage) out.usage = reply.usage;
  return out;
}

function textTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / 4);
}

/** The server's fixed usage rule: ceil(bytes/4) per text, ceil(w/28)*ceil(h/28) per PNG image. */
export function promptTokensOf(body: ChatRequestBody): number {
  let tokens = 0;
  for (const message of body.messages ?? []) {
    if (typeof message.content === 'string') {
      tokens += textTokens(message.content);
      continue;
    }
    for (const part of message.content) {
      if (part.type === 'text') tokens += textTokens(part.text);
      else {
        const size = pngSizeOfDataUrl(part.image_url.url);
        tokens += size ? Math.ceil(size.width / 28) * Math.ceil(size.height / 28) : 1000;
      }
    }
  }
  return tokens;
}

/** Width and height from a `data:image/png;base64,...` URL's IHDR chunk. */
export function pngSizeOfDataUrl(url: string): { width: number; height: number } | null {
  const m = /^data:image\/png;base64,(.{32})/.exec(url);
  if (!m) return null;
  const head = Buffer.from(m[1]!, 'base64');
  if (head.length < 24 || head.toString('latin1', 12, 16) !== 'IHDR') return null;
  return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
}

/** The image parts of a recorded request, decoded from their data URLs. */
export function imagesOfRequest(body: ChatRequestBody | undefined): Buffer[] {
  const out: Buffer[] = [];
  for (const message of body?.messages ?? []) {
    if (typeof message.content === 'string') continue;
    for (const part of message.content) {
      if (part.type !== 'image_url') continue;
      const m = /^data:image\/[a-z]+;base64,(.*)$/s.exec(part.image_url.url);
      if (m) out.push(Buffer.from(m[1]!, 'base64'));
    }
  }
  return out;
}

/** Each message's text with images written as `imageToken`. */
export function messageTextsOfRequest(body: ChatRequestBody | undefined, imageToken: string): { role: string; content: string }[] {
  return (body?.messages ?? []).map((m) => ({
    role: m.role,
    content: typeof m.content === 'string' ? m.content : m.content.map((p) => (p.type === 'text' ? p.text : imageToken)).join(''),
  }));
}

function asTurn(turn: ScriptedTurn | string): ScriptedTurn {
  return typeof turn === 'string' ? { text: turn } : turn;
}

function errorBody(message: string, code: number): Record<string, unknown> {
  return { object: 'error', error: { message, type: 'TestServerError', code } };
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }).end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_BODY_BYTES) {
        reject(new RangeError('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
