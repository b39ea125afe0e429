// @vitest-environment happy-dom
// The composer's upload queue (src/lib/uploads.ts) against a real HTTP server on an ephemeral port,
// through happy-dom's XMLHttpRequest: the multipart body the server reads, the credentials it gets,
// the answers it gives (201, 413, 403, 429), and what the queue makes of them; how many run at
// once, waiting while offline, retry, remove.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_FILES_PER_MESSAGE } from '@chat/protocol';
import { outcome, pastedFile, UploadQueue, type UploadEntry, type UploadQueueOptions } from '../../src/lib/uploads.js';

interface Received {
  path: string;
  name: string;
  bytes: string;
  authorization: string | undefined;
  cookie: string | undefined;
}

let server: Server;
let base: string;
const received: Received[] = [];
/** Requests whose answer waits (files named `slow-*`) until the test releases them. */
const held: Array<() => void> = [];
let inFlight = 0;
let mostInFlight = 0;
/** Files named `flaky-*` lose their connection this many more times. */
let dropsLeft = 0;

async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
  inFlight++;
  mostInFlight = Math.max(mostInFlight, inFlight);
  res.on('close', () => inFlight--);
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  // Node's own multipart parser (undici), as a server would read the body.
  const form = await new Response(Buffer.concat(chunks), { headers: { 'content-type': String(req.headers['content-type']) } }).formData();
  const part = form.get('file') as File;
  const name = part.name;
  if (name.startsWith('flaky-') && dropsLeft > 0) {
    dropsLeft--;
    req.socket.destroy();
    return;
  }
  received.push({ path: req.url ?? '', name, bytes: await part.text(), authorization: req.headers.authorization, cookie: req.headers.cookie });
  const json = (status: number, body: object) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const reply = () => {
    if (name.startsWith('big')) return json(413, { error: 'bad_request', message: 'file too large' });
    if (name.startsWith('forbidden')) return json(403, { error: 'forbidden', message: 'guests may not upload' });
    if (name.startsWith('quota')) return json(429, { error: 'rate_limited', message: 'daily upload quota reached' });
    if (name.startsWith('rate')) return json(429, { error: 'rate_limited', message: 'too many uploads' });
    if (name.startsWith('garbage')) return json(201, { file: { id: 7 } });
    json(201, { file: { id: `id-${name}`, name, size: part.size, type: 'text/plain', url: `files/id-${name}/${name}?sig=s` } });
  };
  if (name.startsWith('slow-')) held.push(reply);
  else reply();
}

beforeEach(async () => {
  received.length = 0;
  held.length = 0;
  inFlight = mostInFlight = dropsLeft = 0;
  server = createServer((req, res) => void answer(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/chat/`;
  // The page is served by the same server: the upload is same-origin, as in the app.
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(base);
});

afterEach(async () => {
  for (const reply of held.splice(0)) reply();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function queueWith(options: Partial<UploadQueueOptions> = {}) {
  const entries: UploadEntry[] = [];
  const revoked: string[] = [];
  const queue = new UploadQueue({
    room: 'lobby',
    entries,
    url: (path) => new URL(path, base).href,
    guestToken: () => null,
    maxBytes: () => null,
    online: () => true,
    previews: { create: () => `blob:preview-${entries.length}`, revoke: (url) => revoked.push(url) },
    ...options,
  });
  return { queue, entries, revoked };
}

const text = (name: string, body = `bytes of ${name}`, type = 'text/plain') => new File([body], name, { type });

/** Waits until `check` holds (each step lets the XHR and the server run); fails after a while. */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never: ${what}`);
}

describe('UploadQueue', () => {
  it('uploads each file as the multipart part `file` to api/rooms/R/files, beside the page, and keeps the FILE', async () => {
    const { queue, entries } = queueWith({ room: 'café' });
    expect(queue.add([text('a.txt'), text('b.txt', 'second')])).toBe(0);
    await until(() => queue.ready(), 'both uploaded');
    expect(received.map((r) => [r.path, r.name, r.bytes]).sort()).toEqual([
      ['/chat/api/rooms/caf%C3%A9/files', 'a.txt', 'bytes of a.txt'],
      ['/chat/api/rooms/caf%C3%A9/files', 'b.txt', 'second'],
    ]);
    expect(entries.map((e) => [e.name, e.status, e.progress])).toEqual([
      ['a.txt', 'done', 1],
      ['b.txt', 'done', 1],
    ]);
    expect(queue.files().map((f) => f.id)).toEqual(['id-a.txt', 'id-b.txt']);
  });

  it('sends the session cookie (same-origin), and a guest token as a bearer', async () => {
    document.cookie = 'session=s3cret; path=/';
    const account = queueWith();
    account.queue.add([text('mine.txt')]);
    await until(() => account.queue.ready(), 'uploaded');
    expect(received[0]).toMatchObject({ cookie: expect.stringContaining('session=s3cret'), authorization: undefined });

    const guest = queueWith({ guestToken: () => 'guest-token_1' });
    guest.queue.add([text('theirs.txt')]);
    await until(() => guest.queue.ready(), 'uploaded');
    expect(received[1]!.authorization).toBe('Bearer guest-token_1');
  });

  it('turns the server’s refusals into reasons: 413 too_big, 403 not_allowed, 429 quota or rate, a bad answer other', async () => {
    const { queue, entries } = queueWith();
    queue.add([text('big.bin'), text('forbidden.txt'), text('quota.txt'), text('rate.txt'), text('garbage.txt')]);
    await until(() => entries.every((e) => e.status === 'failed'), 'all refused');
    expect(entries.map((e) => [e.name, e.failure])).toEqual([
      ['big.bin', 'too_big'],
      ['forbidden.txt', 'not_allowed'],
      ['quota.txt', 'quota'],
      ['rate.txt', 'rate'],
      ['garbage.txt', 'other'],
    ]);
    expect(queue.ready()).toBe(false);
    expect(queue.files()).toEqual([]);
  });

  it('fails a file over maxBytes at once, without a request, and does not retry it', async () => {
    const { queue, entries } = queueWith({ maxBytes: () => 10 });
    queue.add([text('small.txt', '0123456789'), text('large.txt', '0123456789A')]);
    expect(entries[1]).toMatchObject({ status: 'failed', failure: 'too_big' });
    await until(() => entries[0]!.status === 'done', 'the small one uploaded');
    queue.retry(entries[1]!.key);
    expect(entries[1]!.status).toBe('failed');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received.map((r) => r.name)).toEqual(['small.txt']);
  });

  it('runs at most `concurrency` uploads at a time, the rest waiting their turn', async () => {
    const { queue, entries } = queueWith({ concurrency: 2 });
    queue.add([text('slow-1'), text('slow-2'), text('slow-3'), text('slow-4')]);
    await until(() => held.length === 2, 'two requests in');
    expect(entries.map((e) => e.status)).toEqual(['uploading', 'uploading', 'queued', 'queued']);
    while (!queue.ready()) {
      for (const reply of held.splice(0)) reply();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(mostInFlight).toBe(2);
    expect(received).toHaveLength(4);
  });

  it('takes at most MAX_FILES_PER_MESSAGE files and says how many were left out', () => {
    const { queue, entries } = queueWith({ online: () => false });
    expect(queue.add(Array.from({ length: MAX_FILES_PER_MESSAGE - 2 }, (_, i) => text(`f${i}`)))).toBe(0);
    expect(queue.add([text('x'), text('y'), text('z')])).toBe(1);
    expect(entries).toHaveLength(MAX_FILES_PER_MESSAGE);
  });

  it('waits while offline and starts by itself when the connection is back; a lost connection is retried the same way', async () => {
    let online = false;
    const { queue, entries } = queueWith({ online: () => online });
    queue.add([text('later.txt')]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received).toEqual([]);
    expect(entries[0]!.status).toBe('queued');
    online = true;
    queue.resume();
    await until(() => queue.ready(), 'uploaded once online');

    dropsLeft = 1;
    queue.add([text('flaky-1.txt')]);
    await until(() => entries[1]!.status === 'failed', 'the connection lost');
    expect(entries[1]!.failure).toBe('network');
    queue.resume();
    await until(() => queue.ready(), 'uploaded after the connection came back');
    expect(received.map((r) => r.name)).toEqual(['later.txt', 'flaky-1.txt']);
  });

  it('retries a refused file on request', async () => {
    const { queue, entries } = queueWith();
    queue.add([text('rate-then-ok')]);
    await until(() => entries[0]!.status === 'failed', 'refused');
    expect(entries[0]!.failure).toBe('rate');
    entries[0]!.name = 'ok-now'; // the server answers by name: this time it takes it
    queue.retry(entries[0]!.key);
    expect(entries[0]).toMatchObject({ status: 'uploading', progress: 0 });
    expect(entries[0]!.failure).toBeUndefined();
    await until(() => queue.ready(), 'uploaded on retry');
  });

  it('removes a file, stopping its upload, revoking its preview, and letting the next one start', async () => {
    const { queue, entries, revoked } = queueWith({ concurrency: 1 });
    queue.add([new File(['png'], 'slow-picture.png', { type: 'image/png' }), text('next.txt')]);
    expect(entries[0]!.preview).toMatch(/^blob:/);
    expect(entries[1]!.preview).toBeNull(); // not an image: an icon instead
    await until(() => held.length === 1, 'the first upload is in');
    const preview = entries[0]!.preview!;
    queue.remove(entries[0]!.key);
    expect(revoked).toEqual([preview]);
    await until(() => queue.ready(), 'the next one uploaded');
    expect(entries.map((e) => e.name)).toEqual(['next.txt']);
    held.splice(0).forEach((reply) => reply()); // the server's late answer to the removed one changes nothing
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(entries.map((e) => e.name)).toEqual(['next.txt']);

    queue.clear();
    expect(entries).toEqual([]);
  });
});

describe('outcome and pasted names', () => {
  it('reads 201 with a FILE, treats a proxy without the server like a lost connection', () => {
    expect(outcome(201, JSON.stringify({ file: { id: 'x', name: 'n', size: 1, type: 't', url: 'u' } }))).toEqual({ file: { id: 'x', name: 'n', size: 1, type: 't', url: 'u' } });
    expect(outcome(201, 'not json')).toEqual({ failure: 'other' });
    expect(outcome(502, '')).toEqual({ failure: 'network' });
    expect(outcome(401, '')).toEqual({ failure: 'not_allowed' });
    expect(outcome(500, '{}')).toEqual({ failure: 'other' });
  });

  it('names a pasted screenshot by the time, and keeps a real name', () => {
    const at = new Date(2026, 11, 3, 14, 5, 9);
    expect(pastedFile(at, new File(['x'], 'image.png', { type: 'image/png' })).name).toBe('paste-20261203-140509.png');
    expect(pastedFile(at, new File(['x'], '', { type: 'image/jpeg' })).name).toBe('paste-20261203-140509.jpg');
    const named = new File(['x'], 'report.pdf', { type: 'application/pdf' });
    expect(pastedFile(at, named)).toBe(named);
  });
});
