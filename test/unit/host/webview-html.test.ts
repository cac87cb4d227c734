import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentSecurityPolicy, createNonce, webviewHtml } from '../../../src/host/editor/webview-html';

const cspSource = 'https://*.vscode-cdn.net';

test('the CSP: nothing by default, resources from the webview source only, scripts by nonce, no unsafe-*', () => {
  const nonce = createNonce();
  const csp = contentSecurityPolicy(cspSource, nonce);
  assert.equal(csp, `default-src 'none'; img-src ${cspSource} blob: data:; style-src ${cspSource}; font-src ${cspSource}; script-src 'nonce-${nonce}'`);
  assert.doesNotMatch(csp, /unsafe|connect-src|\*\s*;|http:/);
});

test('nonces are fresh 128-bit base64 values', () => {
  const nonces = new Set(Array.from({ length: 50 }, createNonce));
  assert.equal(nonces.size, 50);
  for (const n of nonces) assert.match(n, /^[A-Za-z0-9+/]{22}==$/);
});

test('the page: CSP meta, the script with the nonce, stylesheets, the #app root, the title escaped', () => {
  const nonce = createNonce();
  const html = webviewHtml({
    cspSource,
    nonce,
    scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js',
    styleUris: ['https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.css'],
    title: '<img src=x onerror=alert(1)>.traj.jsonl',
  });
  assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${cspSource} blob: data:;`));
  const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]!);
  assert.equal(scripts.length, 1, 'one script, no inline code');
  assert.ok(scripts[0]!.includes(`nonce="${nonce}"`) && scripts[0]!.includes('dist/webview.js'));
  assert.match(html, /<link rel="stylesheet" href="https:\/\/file\+\.vscode-resource\.vscode-cdn\.net\/ext\/dist\/webview\.css">/);
  assert.match(html, /<div id="app"><\/div>/);
  assert.ok(html.includes('<title>&lt;img src=x onerror=alert(1)&gt;.traj.jsonl</title>'));
  assert.doesNotMatch(html, /style=|onerror=alert\(1\)>/, 'no inline styles or unescaped markup');
});
