import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { ImageRef, ImageRequest, TrajectoryView } from '../../../src/protocol';

export interface ImageOutput {
  /** Folder the pictures are written to. */
  dir: string;
  /** The URL the test page loads a written file from. */
  url(fileName: string): string;
}

/**
 * Pictures for `getImage`, written as files and answered with URLs, as the host does with
 * webview URIs of its cache: the original (scaled), thumbnails, crops at full resolution and
 * crops at the size the model saw.
 */
export class ImageMaker {
  private count = 0;

  constructor(private readonly out: ImageOutput) {}

  async make(request: ImageRequest, view: TrajectoryView, originalPath: string | Error): Promise<ImageRef> {
    try {
      if (originalPath instanceof Error) throw originalPath;
      const observation = request.kind === 'original' ? view.observations.find((o) => o.index === 0) : view.observations.find((o) => o.index === request.observation);
      if (!observation) throw new Error(`line ${request.line} has no observation ${request.kind === 'original' ? 0 : request.observation}`);
      const [x0, y0, x1, y1] = observation.rectInOriginal;
      let image = sharp(originalPath);
      if (observation.index > 0) image = image.extract({ left: x0, top: y0, width: x1 - x0, height: y1 - y0 });
      let width = x1 - x0;
      let height = y1 - y0;
      const maxSide = request.kind === 'original' || request.kind === 'thumbnail' ? request.maxSide : undefined;
      if (maxSide !== undefined && Math.max(width, height) > maxSide) {
        const k = maxSide / Math.max(width, height);
        width = Math.max(1, Math.round(width * k));
        height = Math.max(1, Math.round(height * k));
        image = image.resize(width, height, { fit: 'fill' });
      } else if (request.kind === 'model') {
        width = observation.modelSize.width;
        height = observation.modelSize.height;
        image = image.resize(width, height, { fit: 'fill', kernel: 'nearest' });
      }
      const name = `${++this.count}-${request.kind}.jpg`;
      await writeFile(join(this.out.dir, name), await image.jpeg({ quality: 85 }).toBuffer());
      return { uri: this.out.url(name), width, height };
    } catch (error) {
      return { uri: null, width: 0, height: 0, error: error instanceof Error ? error.message : String(error) };
    }
  }

  /** A crop of the original at `rect` (original pixels), as the host's live re-crop while a box is dragged. */
  async makeRect(originalPath: string | Error, rect: [number, number, number, number]): Promise<ImageRef> {
    try {
      if (originalPath instanceof Error) throw originalPath;
      const width = Math.max(1, rect[2] - rect[0]);
      const height = Math.max(1, rect[3] - rect[1]);
      const name = `${++this.count}-preview.jpg`;
      await writeFile(join(this.out.dir, name), await sharp(originalPath).extract({ left: rect[0], top: rect[1], width, height }).jpeg({ quality: 85 }).toBuffer());
      return { uri: this.out.url(name), width, height };
    } catch (error) {
      return { uri: null, width: 0, height: 0, error: error instanceof Error ? error.message : String(error) };
    }
  }
}
