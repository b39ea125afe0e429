// Reads the multipart body of an upload (docs/protocol.md, "Files") into a temporary file as it
// arrives: never the whole file in memory, never more than MAX_UPLOAD_BYTES on disk (busboy stops
// counting the part there and we refuse it), and nothing left behind when the upload fails or the
// client goes away mid-body.
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
// Only its types: req.parts() (upload-routes.ts registers the plugin).
import type {} from '@fastify/multipart';

/** The multipart part that carries the file. */
export const FILE_FIELD = 'file';

export type Received =
  | { ok: true; path: string; filename: string; bytes: number }
  | { ok: false; status: 400 | 413; message: string };

export interface ReceiveOptions {
  /** A new path in the upload directory's tmp/. */
  tempPath: () => string;
  maxBytes: number;
}

// Errors @fastify/multipart raises, by code.
const TOO_LARGE = 'FST_REQ_FILE_TOO_LARGE';
const CLIENT_ERRORS = new Set(['FST_FILES_LIMIT', 'FST_PARTS_LIMIT', 'FST_FIELDS_LIMIT', 'FST_PROTO_VIOLATION', 'FST_INVALID_MULTIPART_CONTENT_TYPE']);

/**
 * Streams the part `file` into a temporary file. Other fields are ignored; a second file is a
 * 400. On success the caller owns the file at `path`; otherwise nothing is left on disk.
 */
export async function receiveUpload(req: FastifyRequest, options: ReceiveOptions): Promise<Received> {
  const tooLarge = { ok: false, status: 413, message: `the file is larger than ${options.maxBytes} bytes` } as const;
  let temp: string | null = null;
  let kept = false;
  try {
    let received: { path: string; filename: string; bytes: number } | null = null;
    const parts = req.parts({
      limits: { fileSize: options.maxBytes, files: 1, fields: 8, fieldSize: 1024, parts: 10, headerPairs: 20 },
    });
    for await (const part of parts) {
      if (part.type !== 'file') continue;
      if (part.fieldname !== FILE_FIELD) return { ok: false, status: 400, message: `send the file as the part "${FILE_FIELD}"` };
      temp = options.tempPath();
      const sink = createWriteStream(temp, { flags: 'wx', mode: 0o600 });
      await pipeline(part.file, sink);
      // busboy stops passing bytes on at the limit and marks the part truncated.
      if (part.file.truncated) return tooLarge;
      received = { path: temp, filename: part.filename, bytes: sink.bytesWritten };
    }
    if (received === null) return { ok: false, status: 400, message: `send multipart/form-data with one part "${FILE_FIELD}"` };
    kept = true;
    return { ok: true, ...received };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === TOO_LARGE) return tooLarge;
    if (typeof code === 'string' && CLIENT_ERRORS.has(code)) return { ok: false, status: 400, message: `send multipart/form-data with one part "${FILE_FIELD}"` };
    // The client went away, or sent a body that ends mid-part: nobody is left to answer.
    if (req.raw.destroyed || req.raw.aborted || isTruncatedBody(err)) return { ok: false, status: 400, message: 'the upload was cut short' };
    throw err;
  } finally {
    if (!kept && temp !== null) await rm(temp, { force: true });
  }
}

function isTruncatedBody(err: unknown): boolean {
  const message = err instanceof Error ? err.message : '';
  return /unexpected end|terminated early|premature close|aborted/i.test(message);
}
