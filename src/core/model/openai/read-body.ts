export interface BodyReadOptions {
  /** Called after each received chunk (re-arms the idle timeout). */
  onProgress?: () => void;
  /** Larger bodies are refused. */
  maxBytes: number;
}

/** The whole body as UTF-8, chunk by chunk so that a stalled body trips the idle timeout. */
export async function readBodyText(response: Response, options: BodyReadOptions): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder('utf-8');
  let text = '';
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    options.onProgress?.();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > options.maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new RangeError(`the response body is larger than ${options.maxBytes} bytes`);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}
