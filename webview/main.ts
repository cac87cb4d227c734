import { App } from './app';
import { vscodeBridge } from './host-bridge';

/** Entry point of dist/webview.js: mounts the app into `#app` (or the body) of the page the host wrote. */
function start(): void {
  const root = document.getElementById('app') ?? document.body;
  const app = new App(root, vscodeBridge());
  window.addEventListener('pagehide', () => app.dispose());
}

start();
