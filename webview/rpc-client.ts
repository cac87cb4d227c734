import { RpcEndpoint } from '../src/shared/rpc';
import { REQUEST_TIMEOUT_MS, type HostEvents, type HostRequests, type WebviewEvents } from '../src/protocol';
import type { HostBridge } from './host-bridge';

/**
 * The protocol's maps are interfaces, which have no implicit index signature; the same
 * members as a mapped type satisfy RpcEndpoint's `Record<string, ...>` constraints.
 */
type AsMap<T> = { [K in keyof T]: T[K] };

/** The webview's end of the channel: it asks `HostRequests`, answers nothing, sends `HostEvents`, hears `WebviewEvents`. */
export type WebviewRpc = RpcEndpoint<AsMap<HostRequests>, Record<string, never>, AsMap<HostEvents>, AsMap<WebviewEvents>>;

export function connectToHost(bridge: HostBridge): { rpc: WebviewRpc; dispose: () => void } {
  const rpc: WebviewRpc = new RpcEndpoint((envelope) => bridge.postMessage(envelope), REQUEST_TIMEOUT_MS);
  const stop = bridge.onMessage((message) => void rpc.receive(message));
  return {
    rpc,
    dispose: () => {
      stop();
      rpc.close('the webview was disposed');
    },
  };
}
