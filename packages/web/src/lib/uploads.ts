// The composer's uploads (docs/protocol.md, Version 1.1 "Files"; issue 17): one entry per chosen
// file, each sent to `POST api/rooms/R/files` as multipart with one part `file`, its FILE kept for
// the message that will carry it. No Vue here: the page passes in a reactive list and renders it,
// tests a plain one. Loaded by a dynamic import when the first file is chosen (components/
// composer-files.ts), so the initial bundle does not carry it.
// XMLHttpRequest, not fetch: fetch reports no upload progress. Credentials as account-api.ts: the
// request is same-origin, so the session cookie goes by itself, and a guest's token as a bearer.
import { MAX_FILES_PER_MESSAGE, type FileInfo } from '@chat/protocol';
import { isFileInfo } from './file-info.js';

/** Why an upload failed, in terms the UI can put into words. */
export type UploadFailure = 'too_big' | 'not_allowed' | 'quota' | 'rate' | 'network' | 'other';

/** queued: waiting for a free slot or for the connection; uploading: `progress` runs 0..1. */
export type UploadStatus = 'queued' | 'uploading' | 'done' | 'failed';

export interface UploadEntry {
  /** Unique in its queue: the render key and what remove/retry name. */
  key: number;
  name: string;
  size: number;
  /** The browser's guess from the name ("" when it has none); the server decides from the bytes. */
  type: string;
  status: UploadStatus;
  /** 0..1 while uploading; 1 once done. */
  progress: number;
  /** An object URL of the chosen image for the preview strip, revoked when the entry goes. */
  preview: string | null;
  /** done: the server's FILE, whose id the message sends. */
  file?: FileInfo;
  /** failed: why. */
  failure?: UploadFailure;
}

/** The part of XMLHttpRequest this uses. */
export interface RequestLike {
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: FormData): void;
  abort(): void;
  readonly status: number;
  readonly responseText: string;
  readonly upload: { onprogress: ((event: ProgressEvent) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  ontimeout: (() => void) | null;
}

export interface UploadQueueOptions {
  room: string;
  /** The list the UI renders; the queue changes entries only through it (a reactive proxy). */
  entries: UploadEntry[];
  /** A page-relative URL (src/lib/urls.ts httpUrl). */
  url(path: string): string;
  /** A guest's token (sent as `Authorization: Bearer`); null when signed in (the cookie goes). */
  guestToken(): string | null;
  /** `api/info`'s maxUploadBytes: a larger file fails at once, without a request; null: not known. */
  maxBytes(): number | null;
  /** The connection is up: uploads wait while it is not, and start again by themselves (`resume`). */
  online(): boolean;
  newRequest?: () => RequestLike;
  /** Object URLs for image previews; null: no previews (a browser without them). */
  previews?: { create(blob: Blob): string; revoke(url: string): void } | null;
  /** Uploads at a time. */
  concurrency?: number;
}

/** Uploads at a time: a few, so one large file does not hold back the small ones behind it. */
const DEFAULT_CONCURRENCY = 3;

export class UploadQueue {
  private readonly blobs = new Map<number, Blob>();
  private readonly running = new Map<number, RequestLike>();
  private nextKey = 1;

  constructor(private readonly options: UploadQueueOptions) {}

  get entries(): UploadEntry[] {
    return this.options.entries;
  }

  /**
   * Queues files, as many as one message may carry (MAX_FILES_PER_MESSAGE, counting those already
   * here); returns how many were left out. One over `maxBytes` fails at once as `too_big`.
   */
  add(files: ArrayLike<File>): number {
    const room = Math.max(0, MAX_FILES_PER_MESSAGE - this.entries.length);
    const taken = Array.from(files).slice(0, room);
    const max = this.options.maxBytes();
    for (const file of taken) {
      const key = this.nextKey++;
      const tooBig = max !== null && file.size > max;
      this.blobs.set(key, file);
      this.entries.push({
        key,
        name: file.name,
        size: file.size,
        type: file.type,
        status: tooBig ? 'failed' : 'queued',
        progress: 0,
        preview: file.type.startsWith('image/') ? (this.previews()?.create(file) ?? null) : null,
        ...(tooBig ? { failure: 'too_big' as const } : {}),
      });
    }
    this.pump();
    return files.length - taken.length;
  }

  /** Takes a file out of the message, stopping its upload if it runs. */
  remove(key: number): void {
    this.running.get(key)?.abort();
    this.running.delete(key);
    this.blobs.delete(key);
    const index = this.entries.findIndex((e) => e.key === key);
    if (index < 0) return;
    const [entry] = this.entries.splice(index, 1);
    if (entry?.preview) this.previews()?.revoke(entry.preview);
    this.pump();
  }

  /** Uploads a failed file again (one too big stays failed: the same bytes would fail again). */
  retry(key: number): void {
    const entry = this.find(key);
    if (entry?.status !== 'failed' || entry.failure === 'too_big') return;
    this.requeue(entry);
    this.pump();
  }

  /** The connection is back: files that failed for want of a network go again, and waiting ones start. */
  resume(): void {
    for (const entry of this.entries) if (entry.status === 'failed' && entry.failure === 'network') this.requeue(entry);
    this.pump();
  }

  /** Every file is uploaded (and there is at least one): the message may go. */
  ready(): boolean {
    return this.entries.length > 0 && this.entries.every((e) => e.status === 'done');
  }

  /** The uploaded files, in the order chosen. */
  files(): FileInfo[] {
    return this.entries.flatMap((e) => (e.file ? [e.file] : []));
  }

  /** Empties the queue (the message was sent, or the user signed out). */
  clear(): void {
    for (const entry of [...this.entries]) this.remove(entry.key);
  }

  private pump(): void {
    if (!this.options.online()) return;
    const limit = this.options.concurrency ?? DEFAULT_CONCURRENCY;
    for (const entry of this.entries) {
      if (this.running.size >= limit) return;
      if (entry.status === 'queued') this.start(entry);
    }
  }

  private start(entry: UploadEntry): void {
    const key = entry.key;
    const blob = this.blobs.get(key);
    if (!blob) return;
    const request = this.options.newRequest?.() ?? (new XMLHttpRequest() as RequestLike);
    this.running.set(key, request);
    entry.status = 'uploading';
    entry.progress = 0;
    request.open('POST', this.options.url(`api/rooms/${encodeURIComponent(this.options.room)}/files`));
    const token = this.options.guestToken();
    if (token !== null) request.setRequestHeader('authorization', `Bearer ${token}`);
    request.upload.onprogress = (event) => {
      const current = this.find(key);
      if (current && event.lengthComputable && event.total > 0) current.progress = Math.min(1, event.loaded / event.total);
    };
    request.onload = () => this.finish(key, outcome(request.status, request.responseText));
    request.onerror = request.ontimeout = () => this.finish(key, { failure: 'network' });
    const form = new FormData();
    form.append('file', blob, entry.name);
    request.send(form);
  }

  private finish(key: number, result: { file: FileInfo } | { failure: UploadFailure }): void {
    this.running.delete(key);
    const entry = this.find(key);
    if (!entry) return;
    if ('file' in result) {
      Object.assign(entry, { status: 'done', progress: 1, file: result.file });
      this.blobs.delete(key); // uploaded: the bytes are the server's now
    } else {
      Object.assign(entry, { status: 'failed', failure: result.failure });
    }
    this.pump();
  }

  private requeue(entry: UploadEntry): void {
    entry.status = 'queued';
    entry.progress = 0;
    delete entry.failure;
  }

  private find(key: number): UploadEntry | undefined {
    return this.entries.find((e) => e.key === key);
  }

  private previews(): UploadQueueOptions['previews'] {
    if (this.options.previews !== undefined) return this.options.previews;
    return typeof URL.createObjectURL === 'function' ? { create: (blob) => URL.createObjectURL(blob), revoke: (url) => URL.revokeObjectURL(url) } : null;
  }
}

/** The time in a pasted file's name, as the page's clock says it. */
function stamp(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${two(date.getMonth() + 1)}${two(date.getDate())}-${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}`;
}

/**
 * A pasted file under a name worth keeping: a screenshot is "image.png" in every browser, so an
 * unnamed one, or one of those, becomes `paste-20261203-141502.png`.
 */
export function pastedFile(now: Date, file: File): File {
  if (file.name && !/^(image\.\w+|blob)$/i.test(file.name)) return file;
  const ext = /^image\/(png|gif|webp|jpeg)$/.exec(file.type)?.[1]?.replace('jpeg', 'jpg') ?? (file.name.split('.')[1] || 'bin');
  return new File([file], `paste-${stamp(now)}.${ext}`, { type: file.type, lastModified: file.lastModified });
}

/** The server's answer as an outcome: its FILE (checked), or why it refused. */
export function outcome(status: number, body: string): { file: FileInfo } | { failure: UploadFailure } {
  if (status === 200 || status === 201) {
    const file = parse(body)?.file;
    return isFileInfo(file) ? { file } : { failure: 'other' };
  }
  if (status === 413) return { failure: 'too_big' };
  if (status === 401 || status === 403) return { failure: 'not_allowed' };
  if (status === 429) {
    // Both limits answer 429 rate_limited; the daily byte quota says so in its message.
    const said = parse(body);
    return { failure: /quota|daily|per day/i.test(`${String(said?.error ?? '')} ${String(said?.message ?? '')}`) ? 'quota' : 'rate' };
  }
  // A proxy that lost the server answers 502-504: like no answer at all, it is worth another try.
  if (status === 0 || status === 502 || status === 503 || status === 504) return { failure: 'network' };
  return { failure: 'other' };
}

function parse(body: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
