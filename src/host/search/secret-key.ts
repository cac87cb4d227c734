/**
 * The SecretStorage key of a model server's API key: one per URL origin (scheme, host, port),
 * so `http://gpu-box:8000/v1` and `http://gpu-box:8000` share a key and another server
 * never receives it. Paths, queries and credentials in the URL do not take part.
 */
export function apiKeySecretName(serverUrl: string): string {
  return `miniO3.apiKey:${serverOrigin(serverUrl)}`;
}

/** The origin of a server URL, lower-cased; a clear error naming the setting when it is not http(s). */
export function serverOrigin(serverUrl: string): string {
  let url: URL;
  try {
    url = new URL(serverUrl.trim());
  } catch {
    throw new RangeError(`Setting miniO3.serverUrl: ${JSON.stringify(serverUrl)} is not a URL (e.g. http://127.0.0.1:8000/v1)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RangeError(`Setting miniO3.serverUrl: must be an http or https URL, got ${url.protocol}`);
  }
  return url.origin.toLowerCase();
}

/** Whether a search's error says the server refused the API key (HTTP 401/403). */
export function isAuthFailure(errorText: string | undefined): boolean {
  return errorText !== undefined && /\bHTTP 40[13]\b/.test(errorText);
}
