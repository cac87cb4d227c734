import * as vscode from 'vscode';
import type { ImageRenderer } from '../../core/view/image-renderer';
import { Disposable } from './disposable';

/** Decoded originals kept in memory, shared by every open trajectory file. */
const DECODED_CACHE_BYTES = 512 * 1024 * 1024;
const MEGABYTE = 1024 * 1024;
const DEFAULT_CACHE_MEGABYTES = 1024;
const MIN_CACHE_MEGABYTES = 64;

/**
 * The extension's one image pipeline: pictures made in the extension host (sharp + the
 * imaging core), kept on disk in `globalStorageUri/image-cache` within the
 * `miniO3.imageCacheMegabytes` bound, shown through `webview.asWebviewUri`.
 * The renderer (and sharp with it) is loaded on first use, not at activation.
 */
export class ImageService extends Disposable {
  readonly cacheFolder: vscode.Uri;
  private renderer: Promise<ImageRenderer> | null = null;

  constructor(context: vscode.ExtensionContext) {
    super();
    this.cacheFolder = vscode.Uri.joinPath(context.globalStorageUri, 'image-cache');
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('miniO3.imageCacheMegabytes') || !this.renderer) return;
        void this.renderer.then((r) => {
          r.files.setMaxBytes(cacheBytes());
          return r.files.evict();
        });
      }),
    );
  }

  getRenderer(): Promise<ImageRenderer> {
    this.renderer ??= (async () => {
      const [{ ImageRenderer }, { ImageCacheFiles }, { ImageCache }] = await Promise.all([
        import('../../core/view/image-renderer'),
        import('../../core/view/image-cache-files'),
        import('../../core/imaging'),
      ]);
      return new ImageRenderer(new ImageCacheFiles(this.cacheFolder.fsPath, cacheBytes()), new ImageCache({ maxBytes: DECODED_CACHE_BYTES }));
    })();
    return this.renderer;
  }
}

function cacheBytes(): number {
  const setting = vscode.workspace.getConfiguration('miniO3').get<number>('imageCacheMegabytes', DEFAULT_CACHE_MEGABYTES);
  const megabytes = typeof setting === 'number' && Number.isFinite(setting) ? Math.max(MIN_CACHE_MEGABYTES, setting) : DEFAULT_CACHE_MEGABYTES;
  return megabytes * MEGABYTE;
}
