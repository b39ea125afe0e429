// POST api/rooms/R/files and the URLs it answers with (docs/protocol.md, "Files"): the type comes
// from the bytes, images are re-encoded without metadata and get a WebP thumbnail, and whatever a
// browser could take for a page (HTML, SVG, a polyglot) is never served inline, always nosniff
// and sandboxed. Real server, real multipart from fetch, the URLs fetched with no credentials.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { FILE_ID } from '@chat/protocol';
import { trackResources } from '../helpers.js';
import { animatedGif, fetchFile, fileWorld, solidImage, upload, uploaded, type Fetched } from './file-helpers.js';

const { server: start } = trackResources();

/** The headers every answer of the file routes carries. */
function expectSandboxed(res: Fetched): void {
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('content-security-policy')).toBe('sandbox');
  expect(res.headers.get('cache-control')).toMatch(/^private, max-age=\d+$/);
}

describe('uploading', () => {
  it('answers 201 with the type found in the bytes and the size served; the URL serves them to anyone holding it', async () => {
    const { server, alice } = await fileWorld(start);
    const text = 'meeting notes\n会议记录\n';
    const res = await upload(server, 'lobby', text, 'notes.txt', { cookie: alice.cookie }, 'image/png');
    expect(res.status).toBe(201);
    const file = res.body!.file!;
    expect(file).toEqual({ id: expect.stringMatching(FILE_ID), name: 'notes.txt', size: Buffer.byteLength(text), type: 'text/plain', url: expect.any(String) });
    expect(file.url).toMatch(new RegExp(`^api/files/${file.id}/notes\\.txt\\?exp=\\d+&sig=[\\w-]+$`));
    const served = await fetchFile(server, file.url);
    expect(served.status).toBe(200);
    expect(served.bytes.toString()).toBe(text);
    expect(served.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(served.headers.get('content-disposition')).toBe('attachment; filename="notes.txt"');
    expectSandboxed(served);
    const maxAge = Number(served.headers.get('cache-control')!.split('=')[1]);
    expect(maxAge).toBeGreaterThan(3600);
  });

  it('keeps other files byte for byte, unknown binary as application/octet-stream, with an RFC 6266 filename*', async () => {
    const { server, alice } = await fileWorld(start);
    const binary = Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 0, 9, 8, 7]);
    const file = await uploaded(server, 'lobby', binary, '数据 ünïcode.bin', { cookie: alice.cookie });
    expect(file).toMatchObject({ name: '数据 ünïcode.bin', type: 'application/octet-stream', size: binary.length });
    const served = await fetchFile(server, file.url);
    expect(served.bytes.equals(binary)).toBe(true);
    expect(served.headers.get('content-disposition')).toBe(`attachment; filename="?? ünïcode.bin"; filename*=UTF-8''%E6%95%B0%E6%8D%AE%20%C3%BCn%C3%AFcode.bin`);
    // Text that is not UTF-8 (Latin-1 here) is no text/plain; nor is an empty file.
    const latin1 = await uploaded(server, 'lobby', Buffer.from('caf\xe9 cr\xe8me', 'latin1'), 'menu.txt', { cookie: alice.cookie });
    expect(latin1.type).toBe('application/octet-stream');
    const empty = await uploaded(server, 'lobby', Buffer.alloc(0), 'empty.txt', { cookie: alice.cookie });
    expect(empty).toMatchObject({ type: 'application/octet-stream', size: 0 });
    expect((await fetchFile(server, empty.url)).bytes.length).toBe(0);
    // A PDF is known by its bytes, whatever it is called, and still not inline.
    const pdf = await uploaded(server, 'lobby', '%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n', 'report.png', { cookie: alice.cookie });
    expect(pdf.type).toBe('application/pdf');
    expect((await fetchFile(server, pdf.url)).headers.get('content-disposition')).toMatch(/^attachment;/);
  });

  it('cleans the file name: no path, no bidi override, at most 200 code points', async () => {
    const { server, alice } = await fileWorld(start);
    const file = await uploaded(server, 'lobby', 'x', 'C:\\fakepath\\inv\u202Egpj.exe', { cookie: alice.cookie });
    expect(file.name).toBe('invgpj.exe');
    expect((await fetchFile(server, file.url)).status).toBe(200);
    const long = await uploaded(server, 'lobby', 'y', `${'名'.repeat(400)}.txt`, { cookie: alice.cookie });
    expect([...long.name]).toHaveLength(200);
    expect(long.name.endsWith('名.txt')).toBe(true);
    expect((await fetchFile(server, long.url)).status).toBe(200);
  });

  it('re-encodes an image: width, height and a WebP thumbnail of at most 800×800, served inline', async () => {
    const { server, alice } = await fileWorld(start);
    const png = await solidImage(1600, 1000, 'png');
    const file = await uploaded(server, 'lobby', png, 'wide.png', { cookie: alice.cookie });
    expect(file).toMatchObject({ type: 'image/png', width: 1600, height: 1000, thumbUrl: expect.stringMatching(/^api\/files\/[\w-]{22}\/thumb\/wide\.png\?exp=\d+&sig=/) });
    const served = await fetchFile(server, file.url);
    expect(served.status).toBe(200);
    expect(served.bytes.length).toBe(file.size);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('content-disposition')).toBe('inline; filename="wide.png"');
    expectSandboxed(served);
    expect(await sharp(served.bytes).metadata()).toMatchObject({ format: 'png', width: 1600, height: 1000 });
    const thumb = await fetchFile(server, file.thumbUrl!);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    expect(thumb.headers.get('content-disposition')).toMatch(/^inline;/);
    expectSandboxed(thumb);
    expect(await sharp(thumb.bytes).metadata()).toMatchObject({ format: 'webp', width: 800, height: 500 });
    // Small images are never enlarged.
    const small = await uploaded(server, 'lobby', await solidImage(40, 30, 'webp'), 'small.webp', { cookie: alice.cookie });
    expect(small).toMatchObject({ type: 'image/webp', width: 40, height: 30 });
    expect(await sharp((await fetchFile(server, small.thumbUrl!)).bytes).metadata()).toMatchObject({ format: 'webp', width: 40, height: 30 });
  });

  it('keeps an animated GIF animated, its height that of one frame', async () => {
    const { server, alice } = await fileWorld(start);
    const gif = await animatedGif(60, 40, 3);
    const file = await uploaded(server, 'lobby', gif, 'wave.gif', { cookie: alice.cookie });
    expect(file).toMatchObject({ type: 'image/gif', width: 60, height: 40 });
    const served = await sharp((await fetchFile(server, file.url)).bytes, { animated: true }).metadata();
    expect(served).toMatchObject({ format: 'gif', pages: 3, pageHeight: 40 });
  });

  it('strips EXIF and GPS from a JPEG and applies its orientation', async () => {
    const { server, alice } = await fileWorld(start);
    // 40×20 stored, EXIF orientation 6: shown rotated, 20×40.
    const jpeg = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#3a6' } })
      .jpeg()
      .withExif({
        IFD0: { ImageDescription: 'GPS home of the uploader', Copyright: 'someone' },
        IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' },
      })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const source = await sharp(jpeg).metadata();
    expect(source.orientation).toBe(6);
    expect(source.exif).toBeDefined();
    // The GPS IFD pointer (tag 0x8825) is in the source's EXIF, and so are the words.
    expect(source.exif!.includes(Buffer.from([0x88, 0x25])) || source.exif!.includes(Buffer.from([0x25, 0x88]))).toBe(true);
    expect(jpeg.includes('Exif') && jpeg.includes('GPS')).toBe(true);

    const file = await uploaded(server, 'lobby', jpeg, 'IMG_0001.JPG', { cookie: alice.cookie });
    expect(file).toMatchObject({ type: 'image/jpeg', width: 20, height: 40 });
    for (const url of [file.url, file.thumbUrl!]) {
      const served = await fetchFile(server, url);
      expect(served.status).toBe(200);
      const meta = await sharp(served.bytes).metadata();
      expect(meta.exif).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(meta.orientation).toBeUndefined();
      expect(served.bytes.includes('Exif')).toBe(false);
      expect(served.bytes.includes('GPS')).toBe(false);
      expect(served.bytes.includes('uploader')).toBe(false);
    }
    expect(file.size).toBe((await fetchFile(server, file.url)).bytes.length);
  });
});

describe('what a browser might run', () => {
  it('serves HTML named photo.png and claimed as image/png as a text attachment', async () => {
    const { server, alice } = await fileWorld(start);
    const html = '<!doctype html><html><body><script>alert(document.cookie)</script></body></html>';
    const file = await uploaded(server, 'lobby', html, 'photo.png', { cookie: alice.cookie });
    expect(file.type).toBe('text/plain');
    expect(file.thumbUrl).toBeUndefined();
    const served = await fetchFile(server, file.url);
    expect(served.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(served.headers.get('content-disposition')).toMatch(/^attachment;/);
    expectSandboxed(served);
  });

  it('serves an SVG with a script as an attachment, never image/svg+xml', async () => {
    const { server, alice } = await fileWorld(start);
    const svg = '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>';
    const file = await uploaded(server, 'lobby', svg, 'logo.svg', { cookie: alice.cookie });
    expect(file.type).not.toMatch(/svg|html/);
    const served = await fetchFile(server, file.url);
    expect(served.headers.get('content-type')).not.toMatch(/svg|html/);
    expect(served.headers.get('content-disposition')).toMatch(/^attachment;/);
    expectSandboxed(served);
  });

  it('serves a GIF or JPEG with HTML or a ZIP appended as the image alone: the payload is gone', async () => {
    const { server, alice } = await fileWorld(start);
    const payload = '<html><script>alert(1)</script></html>';
    // A fake ZIP local file header and central directory end: a GIFAR-like tail.
    const zipTail = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.from('payload.html'), Buffer.from(payload), Buffer.from('PK\x05\x06')]);
    for (const [format, tail] of [
      ['gif', Buffer.from(payload)],
      ['jpeg', Buffer.from(payload)],
      ['gif', zipTail],
    ] as const) {
      const polyglot = Buffer.concat([await solidImage(8, 8, format), tail]);
      const file = await uploaded(server, 'lobby', polyglot, `cat.${format}`, { cookie: alice.cookie });
      expect(file.type).toBe(`image/${format}`);
      const served = await fetchFile(server, file.url);
      expect(served.status).toBe(200);
      expect(served.bytes.includes('script')).toBe(false);
      expect(served.bytes.includes('PK')).toBe(false);
      expect(served.bytes.length).toBe(file.size);
      expectSandboxed(served);
    }
  });
});
