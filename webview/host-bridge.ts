/**
 * The webview's only way out: post a message to the host, receive the host's messages, and
 * keep a little state across hide/show. In VS Code it is `acquireVsCodeApi()`; a test page
 * supplies its own `acquireVsCodeApi` (or any other `HostBridge`) and the app runs unchanged.
 */
export interface HostBridge {
  postMessage(message: unknown): void;
  /** Calls `listener` with each message the host sends; returns a function that stops listening. */
  onMessage(listener: (message: unknown) => void): () => void;
  getState(): unknown;
  setState(state: unknown): void;
}

/** The object VS Code gives a webview (once per page load). */
interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare global {
  function acquireVsCodeApi(): VsCodeApi;
}

/** The bridge of a VS Code webview: `acquireVsCodeApi()` out, `window` message events in. */
export function vscodeBridge(): HostBridge {
  if (typeof acquireVsCodeApi !== 'function') {
    throw new Error('acquireVsCodeApi is not defined: this page is not running inside a VS Code webview');
  }
  const api = acquireVsCodeApi();
  return {
    postMessage: (message) => api.postMessage(message),
    onMessage: (listener) => {
      const handler = (event: MessageEvent<unknown>) => listener(event.data);
      window.addEventListener('message', handler);
      return () => window.removeEventListener('message', handler);
    },
    getState: () => api.getState(),
    setState: (state) => api.setState(state),
  };
}
