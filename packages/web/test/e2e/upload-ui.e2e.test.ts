// End-to-end, in real Chromium: the composer's side of sending files (issue 17), whatever the
// server then answers (the upload and the message are the lead's whole-flow test). A chosen image
// previews from an object URL under the page's CSP (img-src blob:) with no violation, the strip is
// axe-clean, files dragged over the chat show the drop overlay and join the strip on drop, and a
// pasted screenshot gets a dated name. With uploads off the paperclip is gone.
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { browserAvailable } from './browser.js';
import { audit, noAnimations } from './account-steps.js';
import { enterChat, openPage, poll, server, useBrowser } from './people.js';

const available = browserAvailable();

/** A small valid PNG (RGB, a gradient), made here so the test needs no fixture file. */
function png(width: number, height: number): Buffer {
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const b of bytes) c = table[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rows.set([200, (x * 4) & 255, 80], y * (width * 3 + 1) + 1 + x * 3);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

describe.skipIf(!available)('the composer’s files in Chromium', () => {
  useBrowser();

  it('previews a chosen image under the CSP, is axe-clean, takes dropped and pasted files', async () => {
    const s = await server({ uploads: true, guestUploads: true });
    const alice = await openPage(s.httpUrl + '/');
    const page = alice.page;
    await enterChat(alice, 'alice');
    await page.evaluate(() => {
      const w = window as unknown as { __violations: string[] };
      w.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const items = page.getByTestId('upload-item');

    await page.getByTestId('attach-button').waitFor();
    await page.getByTestId('file-input').setInputFiles([
      { name: 'sunset.png', mimeType: 'image/png', buffer: png(64, 48) },
      { name: 'report.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4') },
    ]);
    await poll(() => items.count()).toBe(2);
    const thumb = items.first().locator('img');
    expect(await thumb.getAttribute('src')).toMatch(/^blob:/);
    await poll(() => thumb.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(64);
    expect(await items.nth(1).locator('img').count()).toBe(0);
    await noAnimations(page);
    expect(await audit(page)).toEqual([]);

    // Files dragged over the chat: the overlay, gone on drop, and the file in the strip.
    const files = await page.evaluateHandle(() => {
      const data = new DataTransfer();
      data.items.add(new File(['notes'], 'notes.txt', { type: 'text/plain' }));
      return data;
    });
    await page.dispatchEvent('section.chat', 'dragenter', { dataTransfer: files });
    await page.getByTestId('drop-overlay').waitFor();
    expect(await page.getByTestId('drop-overlay').innerText()).toBe('Drop files to share');
    await page.dispatchEvent('section.chat', 'drop', { dataTransfer: files });
    await poll(() => page.getByTestId('drop-overlay').count()).toBe(0);
    await poll(() => items.count()).toBe(3);

    // A pasted screenshot.
    await page.evaluate((base64) => {
      const data = new DataTransfer();
      data.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], 'image.png', { type: 'image/png' }));
      document.getElementById('composer')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, png(8, 8).toString('base64'));
    await poll(() => items.count()).toBe(4);
    expect(await page.getByTestId('upload-name').allInnerTexts()).toEqual(['sunset.png', 'report.pdf', 'notes.txt', expect.stringMatching(/^paste-\d{8}-\d{6}\.png$/)]);

    // Removing a file revokes its preview's object URL: the image no longer loads.
    const url = (await thumb.getAttribute('src'))!;
    await items.first().getByTestId('upload-remove').click();
    await poll(() => items.count()).toBe(3);
    const load = (src: string) =>
      page.evaluate(
        (src) =>
          new Promise<string>((resolve) => {
            const img = new Image();
            img.onload = () => resolve('loaded');
            img.onerror = () => resolve('revoked');
            img.src = src;
          }),
        src,
      );
    expect(await load((await items.nth(2).locator('img').getAttribute('src'))!)).toBe('loaded'); // the pasted one: still there
    expect(await load(url)).toBe('revoked');
    expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([]);
  });

  it('has no paperclip when the server takes no files', async () => {
    const s = await server({ uploads: false });
    const bob = await openPage(s.httpUrl + '/');
    await enterChat(bob, 'bob');
    await bob.page.waitForTimeout(300); // api/info has answered by the time the chat is online; give Vue a frame
    expect(await bob.page.getByTestId('attach-button').count()).toBe(0);
  });
});
