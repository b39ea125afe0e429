// The limits on uploads (docs/protocol.md, "Files"): MAX_UPLOAD_BYTES (413, also before the body
// when its declared length is over), the daily quota (429), the send rate (429 with Retry-After),
// images with too many pixels (422); and an upload cut short leaves nothing behind.
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { sleep, trackResources } from '../helpers.js';
import { fileWorld, filesIn, headersOf, solidImage, upload } from './file-helpers.js';
import { multipartBody, rawRequest } from './raw-http.js';

const { server: start } = trackResources();
const MAX = 64 * 1024;

/** Polls until `check` holds (or gives up after a few seconds and lets the assertion fail). */
async function eventually(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100 && !(await check()); i++) await sleep(50);
}

describe('upload limits', () => {
  it('413 for a file over MAX_UPLOAD_BYTES sent chunked, without Content-Length; nothing is left in UPLOAD_DIR', async () => {
    const { server, store, alice, uploadDir } = await fileWorld(start, { maxUploadBytes: MAX });
    const { head, tail, contentType } = multipartBody();
    const chunks = [head, Buffer.alloc(MAX, 1), Buffer.alloc(MAX, 2), tail];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(new Uint8Array(next));
        else controller.close();
      },
    });
    const res = await fetch(`${server.httpUrl}/api/rooms/lobby/files`, {
      method: 'POST',
      headers: { ...headersOf(server, { cookie: alice.cookie }), 'content-type': contentType },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: 'bad_request', message: expect.stringContaining(String(MAX)) });
    await eventually(() => filesIn(uploadDir).length === 0);
    expect(filesIn(uploadDir)).toEqual([]);
    expect(await store.uploadedBytesSince(alice.user.id, 0)).toBe(0);
    // Exactly the limit is fine.
    expect((await upload(server, 'lobby', Buffer.alloc(MAX, 3), 'max.bin', { cookie: alice.cookie })).status).toBe(201);
  });

  it('413 before the body is sent when the declared Content-Length is far over, and the connection is closed', async () => {
    const { server, alice, uploadDir } = await fileWorld(start, { maxUploadBytes: MAX });
    const { head, contentType } = multipartBody();
    const req = await rawRequest(server, '/api/rooms/lobby/files', {
      'Content-Type': contentType,
      'Content-Length': 500_000_000,
      Origin: server.httpUrl,
      Cookie: alice.cookie,
    });
    req.socket.write(head);
    req.socket.write(Buffer.alloc(1000, 7));
    const answer = await req.answer();
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer.toLowerCase()).toContain('connection: close');
    await req.closed;
    expect(filesIn(uploadDir)).toEqual([]);
  });

  it('an upload cut off mid-body leaves no temporary file, no placed file and no row', async () => {
    const { server, store, alice, uploadDir } = await fileWorld(start, { maxUploadBytes: MAX });
    const { head, contentType } = multipartBody();
    const req = await rawRequest(server, '/api/rooms/lobby/files', {
      'Content-Type': contentType,
      'Content-Length': head.length + MAX,
      Origin: server.httpUrl,
      Cookie: alice.cookie,
    });
    req.socket.write(head);
    req.socket.write(Buffer.alloc(MAX / 2, 5));
    // The server has begun writing it to tmp/.
    await eventually(() => filesIn(uploadDir).some((p) => p.startsWith('tmp/')));
    expect(filesIn(uploadDir).some((p) => p.startsWith('tmp/'))).toBe(true);
    req.socket.destroy();
    await eventually(() => filesIn(uploadDir).length === 0);
    expect(filesIn(uploadDir)).toEqual([]);
    expect(await store.uploadedBytesSince(alice.user.id, 0)).toBe(0);
    // And the server goes on serving.
    expect((await upload(server, 'lobby', 'after', 'after.txt', { cookie: alice.cookie })).status).toBe(201);
  });

  it('429 once the daily quota is used up, checked with the real size and with a declared one', async () => {
    const { server, alice, bob } = await fileWorld(start, { maxUploadBytesPerUserPerDay: 1000 });
    expect((await upload(server, 'lobby', Buffer.alloc(600, 1), 'a.bin', { cookie: alice.cookie })).status).toBe(201);
    const over = await upload(server, 'lobby', Buffer.alloc(600, 2), 'b.bin', { cookie: alice.cookie });
    expect(over.status).toBe(429);
    expect(over.body).toEqual({ error: 'rate_limited', message: expect.stringContaining('daily upload limit') });
    expect((await upload(server, 'lobby', Buffer.alloc(400, 3), 'c.bin', { cookie: alice.cookie })).status).toBe(201);
    // The quota is per user; a body declared far over it is refused unread.
    expect((await upload(server, 'lobby', Buffer.alloc(300, 4), 'd.bin', { cookie: bob.cookie })).status).toBe(201);
    const declared = await upload(server, 'lobby', Buffer.alloc(200_000, 5), 'e.bin', { cookie: bob.cookie });
    expect(declared.status).toBe(429);
  });

  it('uploads count against the send rate: 429 with Retry-After', async () => {
    const { server, alice } = await fileWorld(start, { rateLimit: 1 });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await upload(server, 'lobby', `n${i}`, `${i}.txt`, { cookie: alice.cookie }));
    const limited = answers.find((a) => a.status === 429);
    expect(limited).toBeDefined();
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited!.body).toEqual({ error: 'rate_limited', message: expect.any(String) });
  });

  it('refuses a decompression bomb with 422 and stays healthy', async () => {
    const { server, alice, uploadDir } = await fileWorld(start);
    // 64 megapixels (over the 40 allowed) in a 200 KB file: 192 MB once decoded.
    const bomb = await sharp({ create: { width: 8000, height: 8000, channels: 3, background: '#fff' } }).png({ compressionLevel: 9 }).toBuffer();
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const res = await upload(server, 'lobby', bomb, 'bomb.png', { cookie: alice.cookie });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ error: 'bad_request', message: expect.stringContaining('megapixels') });
    expect(filesIn(uploadDir)).toEqual([]);
    // A PNG header over garbage is refused too.
    const broken = Buffer.concat([(await solidImage(10, 10, 'png')).subarray(0, 40), Buffer.alloc(100, 9)]);
    const unreadable = await upload(server, 'lobby', broken, 'broken.png', { cookie: alice.cookie });
    expect(unreadable.status).toBe(422);
    expect((await fetch(`${server.httpUrl}/healthz`)).status).toBe(200);
    expect((await upload(server, 'lobby', await solidImage(10, 10, 'png'), 'fine.png', { cookie: alice.cookie })).status).toBe(201);
  });
});
