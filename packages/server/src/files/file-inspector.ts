// What an upload is (docs/protocol.md, "Files"): its type found in its bytes, never in its name or
// the Content-Type the client claimed, so that HTML called photo.png is not served as an image.
// PNG, JPEG, GIF and WebP are re-encoded without metadata (image-normalizer.ts), one job at a time;
// anything else is kept byte for byte. Bytes with no known signature are text/plain when they are
// valid UTF-8 without NUL, else application/octet-stream.
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { fileTypeFromFile } from 'file-type';
import { JobGate } from './job-gate.js';
import { normalizeImage, type ImageFormat } from './image-normalizer.js';

export const UNKNOWN_TYPE = 'application/octet-stream';
export const TEXT_TYPE = 'text/plain';

/** The image types served inline, each re-encoded in its own format. */
const IMAGE_FORMATS: Record<string, ImageFormat> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

export interface InspectedFile {
  type: string;
  /** Bytes of `path`: what will be served. */
  size: number;
  /** The file to serve: the upload itself, or its re-encoded image (a new temporary file). */
  path: string;
  width?: number;
  height?: number;
  /** The thumbnail (images), a temporary file. */
  thumbPath?: string;
}

export interface FileInspectorOptions {
  /** A new temporary path for what the inspector writes (UploadDir.tempPath). */
  tempPath: () => string;
  /** Image jobs at a time; default 1. */
  imageJobs?: number;
}

export class FileInspector {
  private readonly gate: JobGate;

  constructor(private readonly options: FileInspectorOptions) {
    this.gate = new JobGate(options.imageJobs ?? 1);
  }

  /**
   * Inspects the received file at `upload`. Throws ImageRefused for an image we will not serve;
   * files it wrote are removed when it throws. The caller still owns (and removes) `upload`.
   */
  async inspect(upload: string): Promise<InspectedFile> {
    const found = await fileTypeFromFile(upload);
    const format = found && IMAGE_FORMATS[found.mime];
    if (found && format) return this.image(upload, found.mime, format);
    const { size } = await stat(upload);
    const type = found?.mime ?? (size > 0 && (await isPlainText(upload)) ? TEXT_TYPE : UNKNOWN_TYPE);
    return { type, size, path: upload };
  }

  private async image(upload: string, type: string, format: ImageFormat): Promise<InspectedFile> {
    const path = this.options.tempPath();
    const thumbPath = this.options.tempPath();
    try {
      const image = await this.gate.run(() => normalizeImage(upload, format, path, thumbPath));
      return { type, path, thumbPath, ...image };
    } catch (err) {
      await Promise.all([rm(path, { force: true }), rm(thumbPath, { force: true })]);
      throw err;
    }
  }
}

/** Valid UTF-8 throughout and no NUL byte, read as a stream (never the whole file at once). */
async function isPlainText(path: string): Promise<boolean> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of createReadStream(path)) {
      const bytes = chunk as Buffer;
      if (bytes.includes(0)) return false;
      decoder.decode(bytes, { stream: true });
    }
    decoder.decode();
    return true;
  } catch {
    return false;
  }
}
