/**
 * The chat-completions URL of an OpenAI-compatible server from what a user types: the server
 * root (`http://host:8000`), the API base (`http://host:8000/v1`) or the endpoint itself,
 * with or without a trailing slash.
 */
export function chatCompletionsUrl(base: string): string {
  let url: URL;
  try {
    url = new URL(base.trim());
  } catch {
    throw new RangeError(`model server URL ${JSON.stringify(base)} is not a URL (expected e.g. http://127.0.0.1:8000/v1)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RangeError(`model server URL ${JSON.stringify(redactUrl(base))} must start with http:// or https://`);
  }
  let path = url.pathname.replace(/\/+$/, '');
  if (path.endsWith('/chat/completions')) path = path.slice(0, -'/chat/completions'.length);
  if (!path.endsWith('/v1')) path += '/v1';
  url.pathname = `${path}/chat/completions`;
  url.search = '';
  url.hash = '';
  return url.toString();
}

/** The URL without user:password, for messages. */
export function redactUrl(text: string): string {
  return text.replace(/(https?:\/\/)[^/@\s]*@/g, '$1');
}
