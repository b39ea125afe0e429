// What an uploaded PNG, JPEG, GIF or WebP is served as (docs/protocol.md, "Files"): decoded and
// re-encoded in the same format by sharp, so that nothing of the original file survives but its
// pixels. That drops every kind of metadata (EXIF with GPS positions and camera serials, XMP, ICC
// profiles after conversion to sRGB, comments, text chunks) and whatever was appended or hidden
// in it (an HTML or ZIP polyglot). EXIF orientation is applied first, as the viewer would have;
// animated GIF and WebP stay animated. Plus a WebP thumbnail of at most 800×800.
//
// Decoding is where a hostile image hurts: a tiny PNG can claim 20000×20000 pixels (1.2 GB once
// decoded). limitInputPixels refuses such a file before decoding it (ImageRefused, a 4xx).
import sharp, { type Sharp } from 'sharp';

// One libvips thread per image and no operation cache: with JobGate's limit this bounds what
// image work may take from the chat (CPU and memory) on a small server.
sharp.concurrency(1);
sharp.cache(false);

/** The most pixels (width × height, all frames of an animation) an uploaded image may have. */
export const MAX_IMAGE_PIXELS = 40_000_000;
/** A thumbnail fits inside this square (never enlarged). */
export const THUMB_SIZE = 800;
/** Longest one image may take to process before it is refused. */
const IMAGE_TIMEOUT_SECONDS = 30;

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

/** The file is an image we will not serve: too many pixels, or not decodable. A client error. */
export class ImageRefused extends Error {}

export interface NormalizedImage {
  /** Bytes written to the output file. */
  size: number;
  /** Of the served image (one frame of an animation), after orientation. */
  width: number;
  height: number;
}

/** Writes the re-encoded image to `output` and its thumbnail to `thumb`. */
export async function normalizeImage(input: string, format: ImageFormat, output: string, thumb: string): Promise<NormalizedImage> {
  try {
    const written = await encode(open(input, format).autoOrient(), format).toFile(output);
    // The thumbnail is made from the clean output: already oriented, already checked.
    await open(output, format)
      .resize(THUMB_SIZE, THUMB_SIZE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .timeout({ seconds: IMAGE_TIMEOUT_SECONDS })
      .toFile(thumb);
    const animated = (written.pages ?? 1) > 1 && written.pageHeight !== undefined;
    return { size: written.size, width: written.width, height: animated ? written.pageHeight! : written.height };
  } catch (err) {
    throw refusal(err);
  }
}

function open(path: string, format: ImageFormat): Sharp {
  return sharp(path, {
    limitInputPixels: MAX_IMAGE_PIXELS,
    // Every frame of an animation (GIF, WebP); PNG and JPEG have one.
    animated: format === 'gif' || format === 'webp',
    // A warning (junk after the end of a JPEG, say) is no reason to refuse: the junk goes.
    failOn: 'error',
  });
}

/** The same format, no metadata (sharp writes none unless asked to). */
function encode(image: Sharp, format: ImageFormat): Sharp {
  const timed = image.timeout({ seconds: IMAGE_TIMEOUT_SECONDS });
  switch (format) {
    case 'png':
      return timed.png();
    case 'jpeg':
      return timed.jpeg({ quality: 90 });
    case 'gif':
      return timed.gif();
    case 'webp':
      return timed.webp({ quality: 90 });
  }
}

/** sharp's errors about the input become ImageRefused; others (a full disk) stay what they are. */
function refusal(err: unknown): unknown {
  const message = err instanceof Error ? err.message : '';
  if (/pixel limit/i.test(message)) return new ImageRefused(`the image has too many pixels (at most ${MAX_IMAGE_PIXELS / 1_000_000} megapixels)`);
  if (/timeout/i.test(message)) return new ImageRefused('the image took too long to process');
  if (/input|corrupt|unsupported|premature|load|decode|invalid|truncated|vips/i.test(message)) return new ImageRefused('the image could not be read');
  return err;
}
