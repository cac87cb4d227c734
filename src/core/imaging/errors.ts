/**
 * Every failure in the imaging module: unreadable, corrupt, oversized or
 * mis-sized images. `path` names the file the image came from (or a short
 * description such as "decoded image" when the pixels never had a file).
 */
export class ImagingError extends Error {
  readonly path: string;
  readonly reason: string;

  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super(`${path}: ${reason}`, options);
    this.name = 'ImagingError';
    this.path = path;
    this.reason = reason;
  }
}
