/** What can be wrong with an image the studio is given, in words a person can act on. */
export type ImageErrorCode =
  /** Not a PNG the studio reads (or not an image at all). */
  | 'invalid-image'
  /** Past the limits on bytes, sides or pixels: refused before decoding (an image bomb costs nothing). */
  | 'image-too-large';

export class ImageError extends Error {
  constructor(
    readonly code: ImageErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ImageError';
  }
}
