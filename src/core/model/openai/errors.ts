/** Why a request to the model server failed, after retries or at once when retrying cannot help. */
export class ModelServerError extends Error {
  constructor(
    message: string,
    readonly details: {
      url: string;
      /** HTTP status, when the server answered. */
      status?: number;
      /** True when another attempt might succeed (network, timeout, 429, 5xx). */
      retryable: boolean;
      /** Server-requested wait before retrying (429/503 Retry-After), in ms. */
      retryAfterMs?: number;
      attempts?: number;
    },
  ) {
    super(message);
    this.name = 'ModelServerError';
  }
}

/** Removes a secret from any text that might be shown or logged. */
export function redactSecret(text: string, secret: string | undefined): string {
  let out = text.replace(/(Bearer\s+)[^\s"',]+/gi, '$1[redacted]');
  if (secret && secret.length > 0) out = out.split(secret).join('[redacted]');
  return out;
}
