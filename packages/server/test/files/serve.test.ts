// GET api/files/ID/NAME and api/files/ID/thumb/NAME (docs/protocol.md, "Files"): signed URLs that
// work without credentials; an altered id, name, signature or expiry, or an expired URL, is 403 or
// 404, with the same protective headers as a file; ranges for audio and video.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileLinks } from '../../src/files/file-links.js';
import { trackResources } from '../helpers.js';
import { fetchFile, fileWorld, solidImage, uploaded, type Fetched } from './file-helpers.js';

const { server: start } = trackResources();

/** A 44-byte RIFF/WAVE header (PCM, 8 kHz, 8-bit mono) over `samples` bytes of sound. */
function wav(samples: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + samples, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(8000, 28);
  header.writeUInt16LE(1, 32);
  header.writeUInt16LE(8, 34);
  header.write('data', 36);
  header.writeUInt32LE(samples, 40);
  const sound = Buffer.alloc(samples);
  for (let i = 0; i < samples; i++) sound[i] = 128 + Math.round(100 * Math.sin(i / 3));
  return Buffer.concat([header, sound]);
}

function expectRefusal(res: Fetched, status: number): void {
  expect(res.status).toBe(status);
  expect(JSON.parse(res.bytes.toString())).toEqual({ error: status === 403 ? 'forbidden' : 'not_found', message: expect.any(String) });
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('content-security-policy')).toBe('sandbox');
  expect(res.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
}

describe('serving files', () => {
  it('refuses an altered id, name, signature or expiry, and an expired URL', async () => {
    const { server, alice, uploadDir } = await fileWorld(start);
    const file = await uploaded(server, 'lobby', await solidImage(20, 20, 'png'), 'dot.png', { cookie: alice.cookie });
    const url = new URL(file.url, 'http://x/');
    const exp = url.searchParams.get('exp')!;
    const sig = url.searchParams.get('sig')!;
    const at = (path: string, query: string) => fetchFile(server, `${path}?${query}`);
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);

    expect((await at(`api/files/${file.id}/dot.png`, `exp=${exp}&sig=${sig}`)).status).toBe(200);
    expectRefusal(await at(`api/files/${flip(file.id)}/dot.png`, `exp=${exp}&sig=${sig}`), 403);
    expectRefusal(await at(`api/files/not-an-id/dot.png`, `exp=${exp}&sig=${sig}`), 403);
    expectRefusal(await at(`api/files/${file.id}/dot.png`, `exp=${exp}&sig=${flip(sig)}`), 403);
    expectRefusal(await at(`api/files/${file.id}/dot.png`, `exp=${Number(exp) + 86400}&sig=${sig}`), 403);
    expectRefusal(await at(`api/files/${file.id}/dot.png`, `exp=${exp}`), 403);
    expectRefusal(await at(`api/files/${file.id}/dot.png`, `exp=abc&sig=${sig}`), 403);
    expectRefusal(await at(`api/files/${file.id}/dot.png`, `exp=${exp}&sig=${sig}&sig=${sig}`), 403);
    // The file's own signature does not open its thumbnail, nor the other way round.
    expectRefusal(await at(`api/files/${file.id}/thumb/dot.png`, `exp=${exp}&sig=${sig}`), 403);
    // Another name is not this file.
    expectRefusal(await at(`api/files/${file.id}/other.png`, `exp=${exp}&sig=${sig}`), 404);
    expectRefusal(await at(`api/files/${file.id}/dot.png/x`, `exp=${exp}&sig=${sig}`), 404);

    // URLs signed with the right key: one that expired yesterday, and one for an unknown id.
    const key = readFileSync(join(uploadDir, 'url-signing.key'));
    const stored = { id: file.id, name: file.name, size: file.size, type: file.type, thumb: true as const };
    const old = new FileLinks(key, () => Date.now() - 3 * 86_400_000).info(stored);
    const expired = await fetchFile(server, old.url);
    expectRefusal(expired, 403);
    expect(expired.headers.get('cache-control')).toBe('private, max-age=0');
    expectRefusal(await fetchFile(server, old.thumbUrl!), 403);
    const unknown = new FileLinks(key).info({ ...stored, id: 'A'.repeat(22) });
    expectRefusal(await fetchFile(server, unknown.url), 404);
  });

  it('404 for the thumbnail of a file that has none', async () => {
    const { server, alice, uploadDir } = await fileWorld(start);
    const file = await uploaded(server, 'lobby', 'plain', 'a.txt', { cookie: alice.cookie });
    const thumbUrl = new FileLinks(readFileSync(join(uploadDir, 'url-signing.key'))).info({ ...file, thumb: true }).thumbUrl!;
    expectRefusal(await fetchFile(server, thumbUrl), 404);
  });

  it('serves audio inline with ranges: 206 with Content-Range, 416 past the end', async () => {
    const { server, alice } = await fileWorld(start);
    const sound = wav(4000);
    const file = await uploaded(server, 'lobby', sound, 'beep.wav', { cookie: alice.cookie });
    expect(file).toMatchObject({ type: 'audio/wav', size: sound.length });
    const whole = await fetchFile(server, file.url);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(whole.headers.get('content-disposition')).toBe('inline; filename="beep.wav"');
    const head = await fetch(new URL(file.url, `${server.httpUrl}/`), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(sound.length));
    expect(head.headers.get('content-security-policy')).toBe('sandbox');
    const part = await fetchFile(server, file.url, { range: 'bytes=100-199' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${sound.length}`);
    expect(part.headers.get('content-type')).toBe('audio/wav');
    expect(part.headers.get('content-security-policy')).toBe('sandbox');
    expect(part.bytes.equals(sound.subarray(100, 200))).toBe(true);
    const beyond = await fetchFile(server, file.url, { range: `bytes=${sound.length + 10}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${sound.length}`);
    expect(beyond.headers.get('content-security-policy')).toBe('sandbox');
    expect(JSON.parse(beyond.bytes.toString())).toEqual({ error: 'bad_request', message: expect.any(String) });
  });

  it('answers a conditional request with 304 and no body', async () => {
    const { server, alice } = await fileWorld(start);
    const file = await uploaded(server, 'lobby', 'cache me', 'c.txt', { cookie: alice.cookie });
    const first = await fetchFile(server, file.url);
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    // fetch adds Cache-Control: no-cache to a conditional request unless told otherwise.
    const again = await fetchFile(server, file.url, { 'if-none-match': etag!, 'cache-control': 'max-age=0' });
    expect(again.status).toBe(304);
    expect(again.bytes.length).toBe(0);
  });
});
