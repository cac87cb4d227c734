/**
 * Turns generated token ids into text deltas as they arrive (vLLM's incremental detokenizer:
 * decode a short window of ids and emit only text that no later id can change; a window that
 * ends inside a multi-byte character decodes to U+FFFD and is held back), and stops at the
 * first stop string, which is kept in the text and nothing after it is emitted.
 */

export type DecodeIds = (ids: readonly number[]) => string;

export interface StreamStep {
  /** New final text (may be empty while a character is incomplete). */
  delta: string;
  /** True once a stop string has been completed; `text` then ends with it. */
  stopped: boolean;
}

const REPLACEMENT = '\uFFFD';

export class TextStream {
  private readonly ids: number[] = [];
  private prefixOffset = 0;
  private readOffset = 0;
  private emitted = '';
  private stoppedAt: string | null = null;
  private readonly longestStop: number;

  private readonly decode: DecodeIds;

  constructor(decode: DecodeIds, private readonly stops: readonly string[]) {
    // Tokenizers refuse an empty id list; an empty window is simply no text.
    this.decode = (ids) => (ids.length === 0 ? '' : decode(ids));
    this.longestStop = stops.reduce((m, s) => Math.max(m, s.length), 0);
  }

  /** The text emitted so far. */
  get text(): string {
    return this.emitted;
  }

  /** The stop string generation ended on, if any. */
  get stopString(): string | null {
    return this.stoppedAt;
  }

  get tokenCount(): number {
    return this.ids.length;
  }

  push(id: number): StreamStep {
    if (this.stoppedAt !== null) return { delta: '', stopped: true };
    this.ids.push(id);
    const prefixText = this.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const windowText = this.decode(this.ids.slice(this.prefixOffset));
    if (windowText.length <= prefixText.length || windowText.endsWith(REPLACEMENT)) return { delta: '', stopped: false };
    const pending = windowText.slice(prefixText.length);
    this.prefixOffset = this.readOffset;
    this.readOffset = this.ids.length;
    return this.emit(pending);
  }

  /**
   * At the end of generation: whatever is still held back (an incomplete character decodes to
   * U+FFFD, as Hugging Face decodes it), cut at a stop string.
   */
  finish(): StreamStep {
    if (this.stoppedAt !== null) return { delta: '', stopped: true };
    const prefixText = this.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const windowText = this.decode(this.ids.slice(this.prefixOffset));
    this.prefixOffset = this.readOffset = this.ids.length;
    if (!windowText.startsWith(prefixText)) return { delta: '', stopped: false };
    return this.emit(windowText.slice(prefixText.length));
  }

  private emit(pending: string): StreamStep {
    if (pending === '') return { delta: '', stopped: false };
    const candidate = this.emitted + pending;
    // A stop string may straddle the old text and the new piece; it cannot lie wholly in the old.
    const searchFrom = Math.max(0, this.emitted.length - this.longestStop + 1);
    let cut = -1;
    for (const stop of this.stops) {
      if (stop === '') continue;
      const at = candidate.indexOf(stop, searchFrom);
      if (at >= 0 && (cut < 0 || at + stop.length < cut)) {
        cut = at + stop.length;
        this.stoppedAt = stop;
      }
    }
    const text = cut >= 0 ? candidate.slice(0, cut) : candidate;
    const delta = text.slice(this.emitted.length);
    this.emitted = text;
    return { delta, stopped: cut >= 0 };
  }
}
