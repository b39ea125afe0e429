// Helpers for the file tests: a server with a store the test can also read, two accounts and a
// guest; uploads as the page sends them (multipart via fetch, our own Origin); fetching a file's
// URL like an <img> would (no cookie); and images made with sharp.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { FileInfo } from '@chat/protocol';
import type { Config } from '../../src/config.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { tempDir, type TestServer } from '../helpers.js';
import { register, type Account } from '../http/http-helpers.js';

export interface FileWorld {
  server: TestServer;
  store: Store;
  /** UPLOAD_DIR (DATA_DIR/files). */
  uploadDir: string;
  alice: Account;
  bob: Account;
  guestToken: string;
}

type StartServer = (overrides: Partial<Config>, extra: { store: Store }) => Promise<TestServer>;

/** A listening server on its own SQLite store, with accounts alice and bob and one guest. */
export async function fileWorld(start: StartServer, config: Partial<Config> = {}): Promise<FileWorld> {
  const dir = tempDir('chat-files-');
  const store = await new SqliteStore({ dir }).open();
  const server = await start({ dataDir: dir, maxRegistrationsPerIp: 0, ...config }, { store });
  const alice = await register(server, 'alice');
  const bob = await register(server, 'bob');
  const guest = await store.createGuest('visitor');
  return { server, store, uploadDir: join(dir, 'files'), alice, bob, guestToken: guest.token };
}

export interface Credentials {
  cookie?: string;
  bearer?: string;
  /** Default: the server's own origin. null: none. */
  origin?: string | null;
  headers?: Record<string, string>;
}

export interface UploadAnswer {
  status: number;
  headers: Headers;
  body: { file?: FileInfo; error?: string; message?: string } | null;
}

/** POST api/rooms/R/files with one part `file`, as a browser's FormData sends it. */
export async function upload(server: TestServer, room: string, bytes: Uint8Array | string, filename: string, who: Credentials, claimedType = 'application/octet-stream'): Promise<UploadAnswer> {
  const form = new FormData();
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  form.append('file', new Blob([data as Uint8Array<ArrayBuffer>], { type: claimedType }), filename);
  const res = await fetch(`${server.httpUrl}/api/rooms/${encodeURIComponent(room)}/files`, { method: 'POST', body: form, headers: headersOf(server, who) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? null : (JSON.parse(text) as UploadAnswer['body']) };
}

export function headersOf(server: TestServer, who: Credentials): Record<string, string> {
  const headers: Record<string, string> = { ...who.headers };
  const origin = who.origin === undefined ? server.httpUrl : who.origin;
  if (origin !== null) headers.origin = origin;
  if (who.cookie !== undefined) headers.cookie = who.cookie;
  if (who.bearer !== undefined) headers.authorization = `Bearer ${who.bearer}`;
  return headers;
}

/** A 201 upload's FILE (throws otherwise). */
export async function uploaded(server: TestServer, room: string, bytes: Uint8Array | string, filename: string, who: Credentials): Promise<FileInfo> {
  const res = await upload(server, room, bytes, filename, who);
  if (res.status !== 201 || !res.body?.file) throw new Error(`upload ${filename}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.file;
}

export interface Fetched {
  status: number;
  headers: Headers;
  bytes: Buffer;
}

/** GET a URL relative to the page (FILE.url, FILE.thumbUrl), with no credentials. */
export async function fetchFile(server: TestServer, relativeUrl: string, headers: Record<string, string> = {}): Promise<Fetched> {
  const res = await fetch(new URL(relativeUrl, `${server.httpUrl}/`), { headers });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Every file under UPLOAD_DIR except the signing key, tmp/ included, as paths relative to it. */
export function filesIn(uploadDir: string): string[] {
  return (readdirSync(uploadDir, { recursive: true, withFileTypes: true }) as Array<{ isFile(): boolean; parentPath: string; name: string }>)
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(uploadDir.length + 1))
    .filter((p) => p !== 'url-signing.key')
    .sort();
}

/** A one-colour image. */
export function solidImage(width: number, height: number, format: 'png' | 'jpeg' | 'gif' | 'webp'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 60 } } })
    .toFormat(format)
    .toBuffer();
}

/** An animated GIF of `frames` frames of width × height, each another colour. */
export function animatedGif(width: number, height: number, frames: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3 * frames);
  for (let f = 0; f < frames; f++) raw.fill(Buffer.from([(f * 80) % 256, 100, 255 - ((f * 80) % 256)]), f * width * height * 3, (f + 1) * width * height * 3);
  return sharp(raw, { raw: { width, height: height * frames, channels: 3, pageHeight: height } })
    .gif({ loop: 0, delay: Array.from({ length: frames }, () => 100) })
    .toBuffer();
}
