// One upload as a client sends it (docs/protocol.md, "Files"): POST api/rooms/R/files with a
// multipart/form-data body of one part `file`, streamed in slices of a buffer the caller owns (the
// bench holds one copy of the content, however many uploads send it at once), with a declared
// Content-Length and the uploader's token as Authorization: Bearer. A per-upload prefix replaces the
// content's first bytes, so that no two uploads are the same file.
import { request } from 'node:http';

/** What the server answered about the stored file (201 {"file": FILE}). */
export interface UploadedFile {
  id: string;
  name: string;
  size: number;
  type: string;
  width?: number;
  height?: number;
  thumbUrl?: string;
}

export interface UploadResult {
  status: number;
  /** From the first byte written to the whole answer read. */
  ms: number;
  file: UploadedFile | null;
  /** The answer's body when it was not a 201 (at most 200 characters). */
  error: string;
}

export interface UploadOptions {
  port: number;
  room: string;
  token: string;
  filename: string;
  mime: string;
  content: Buffer;
  /** Written instead of the content's first prefix.length bytes (the file's size stays content.length). */
  prefix?: Buffer;
  /** Bytes written per write() (the body is never copied whole). */
  sliceBytes?: number;
}

const BOUNDARY = '----chat-bench-upload-7d3f2a';

export function upload(o: UploadOptions): Promise<UploadResult> {
  const prefix = o.prefix ?? Buffer.alloc(0);
  if (prefix.length > o.content.length) throw new Error('the prefix is longer than the content');
  const head = Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${o.filename}"\r\nContent-Type: ${o.mime}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  const length = head.length + o.content.length + tail.length;
  const slice = o.sliceBytes ?? 256 * 1024;
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request({
      host: '127.0.0.1',
      port: o.port,
      method: 'POST',
      path: `/api/rooms/${encodeURIComponent(o.room)}/files`,
      // A connection of its own per upload: they stream at once, as from ten browsers.
      agent: false,
      headers: {
        authorization: `Bearer ${o.token}`,
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
        'content-length': String(length),
      },
    });
    req.once('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('error', reject);
      res.once('end', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        const text = Buffer.concat(chunks).toString('utf8');
        let file: UploadedFile | null = null;
        if (res.statusCode === 201) {
          try {
            file = (JSON.parse(text) as { file?: UploadedFile }).file ?? null;
          } catch {
            file = null;
          }
        }
        resolve({ status: res.statusCode ?? 0, ms, file, error: file ? '' : text.slice(0, 200) });
      });
    });
    // A refusal may come (and the connection close) before the body is all written.
    let wake: (() => void) | null = null;
    req.on('drain', () => wake?.());
    req.once('close', () => wake?.());
    void (async () => {
      const write = (chunk: Buffer): Promise<void> =>
        req.write(chunk) || req.destroyed ? Promise.resolve() : new Promise((ok) => (wake = ok));
      try {
        await write(head);
        if (prefix.length > 0) await write(prefix);
        for (let at = prefix.length; at < o.content.length; at += slice) {
          if (req.destroyed) return;
          await write(o.content.subarray(at, Math.min(at + slice, o.content.length)));
        }
        await write(tail);
        req.end();
      } catch (err) {
        req.destroy(err as Error);
      }
    })();
  });
}
