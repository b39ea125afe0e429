// End-to-end, in real Chromium, the whole of sending files (issue 17): alice pastes a photo (whose
// EXIF carries a GPS position), types a caption and sends; bob sees its thumbnail in a box sized
// before it loaded, opens it in the lightbox at full size with no GPS left in what is served, and
// closes it with Escape; alice drops a PDF on the chat and sends it without text, and bob gets a
// card whose link downloads it as an attachment. Then the same on phones, picked with the
// paperclip. Screenshots go to docs/screenshots with UPDATE_SCREENSHOTS=1 (else a temp dir).
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { noAnimations } from './account-steps.js';
import { browserAvailable } from './browser.js';
import { bubble, enterChat, openPage, PHONE, poll, server, useBrowser } from './people.js';

const available = browserAvailable();
const SHOTS =
  process.env.UPDATE_SCREENSHOTS === '1' ? fileURLToPath(new URL('../../../../docs/screenshots/', import.meta.url)) : `${mkdtempSync(join(tmpdir(), 'chat-shots-'))}/`;
mkdirSync(SHOTS, { recursive: true });

/** A landscape photo-like JPEG (a gradient with a sun) whose EXIF holds a GPS position. */
async function photo(width: number, height: number): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#3b82c4"/><stop offset="1" stop-color="#f4b860"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#sky)"/><circle cx="${width * 0.7}" cy="${height * 0.62}" r="${height * 0.12}" fill="#ffd35a"/>
    <rect y="${height * 0.75}" width="100%" height="${height * 0.25}" fill="#2f6b3a"/></svg>`;
  return sharp(Buffer.from(svg))
    .jpeg({ quality: 85 })
    .withExif({ IFD0: { Make: 'TestCam', ImageDescription: 'taken at home' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 3/1' } })
    .toBuffer();
}

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');

/** Pastes a file into the composer, as a screenshot pasted from the clipboard. */
async function paste(page: Page, bytes: Buffer, name: string, type: string): Promise<void> {
  await page.evaluate(
    ({ base64, name, type }) => {
      const data = new DataTransfer();
      data.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name, { type }));
      document.getElementById('composer')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    },
    { base64: bytes.toString('base64'), name, type },
  );
}

/** Drops a file on the chat pane, as dragged from the desktop. */
async function drop(page: Page, bytes: Buffer, name: string, type: string): Promise<void> {
  const data = await page.evaluateHandle(
    ({ base64, name, type }) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], name, { type }));
      return transfer;
    },
    { base64: bytes.toString('base64'), name, type },
  );
  await page.dispatchEvent('section.chat', 'dragenter', { dataTransfer: data });
  await page.getByTestId('drop-overlay').waitFor();
  await page.dispatchEvent('section.chat', 'drop', { dataTransfer: data });
}

/** Waits until every chosen file is uploaded, then sends with the composer's text as caption. */
async function sendChosen(page: Page, caption: string): Promise<void> {
  const items = page.getByTestId('upload-item');
  await poll(() => items.evaluateAll((els) => els.length > 0 && els.every((e) => e.classList.contains('done')))).toBe(true);
  await page.getByTestId('composer').fill(caption);
  await page.getByTestId('composer').press('Enter');
  await poll(() => page.getByTestId('upload-item').count()).toBe(0);
}

/** The bytes and headers the page's own origin serves at a relative URL, fetched in the page (no credentials needed). */
const fetchInPage = (page: Page, url: string) =>
  page.evaluate(async (url) => {
    const res = await fetch(url, { credentials: 'omit' });
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, disposition: res.headers.get('content-disposition'), type: res.headers.get('content-type'), base64: btoa(String.fromCharCode(...bytes)) };
  }, url);

describe.skipIf(!available)('files in Chromium, end to end', () => {
  useBrowser();

  it('a pasted photo and a dropped PDF reach the other person: thumbnail in a reserved box, lightbox, no GPS, a download card', { timeout: 90_000 }, async () => {
    const s = await server();
    const alice = await openPage(s.httpUrl + '/', { reducedMotion: 'reduce' });
    const bob = await openPage(s.httpUrl + '/', { reducedMotion: 'reduce' });
    await enterChat(alice, 'alice');
    await enterChat(bob, 'bob');

    const original = await photo(1200, 800);
    // The source's EXIF holds the GPS IFD pointer (tag 0x8825, in either byte order) and our marker.
    const exif = (await sharp(original).metadata()).exif!;
    expect(exif.includes(Buffer.from([0x88, 0x25])) || exif.includes(Buffer.from([0x25, 0x88]))).toBe(true);
    expect(original.includes('taken at home')).toBe(true);
    await paste(alice.page, original, 'image.png', 'image/jpeg');
    await sendChosen(alice.page, 'sunset from the roof');

    const b = bob.page;
    const thumb = bubble(b, 'sunset from the roof').getByTestId('file-image');
    await thumb.waitFor();
    // The box has the photo's 3:2 shape from its width and height, loaded or not.
    const box = await thumb.boundingBox();
    expect(box!.width / box!.height).toBeCloseTo(1.5, 1);
    await poll(() => thumb.locator('img').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    await poll(() => bubble(alice.page, 'sunset from the roof').getAttribute('data-status')).toBe('sent');

    await thumb.click();
    const lightbox = b.getByTestId('lightbox');
    await lightbox.waitFor();
    const full = lightbox.locator('img.lightbox-image');
    await poll(() => full.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(1200);
    const served = await fetchInPage(b, (await full.getAttribute('src'))!);
    expect(served.status).toBe(200);
    expect(served.type).toBe('image/jpeg');
    const servedMeta = await sharp(Buffer.from(served.base64, 'base64')).metadata();
    expect(servedMeta.exif).toBeUndefined();
    expect(Buffer.from(served.base64, 'base64').includes('taken at home')).toBe(false);
    await noAnimations(b);
    await b.screenshot({ path: `${SHOTS}files-lightbox-desktop.png` });
    await b.keyboard.press('Escape');
    await poll(() => lightbox.count()).toBe(0);
    await poll(() => b.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('file-image');

    await drop(alice.page, PDF, 'minutes.pdf', 'application/pdf');
    await sendChosen(alice.page, '');
    const card = b.getByTestId('file-card').filter({ hasText: 'minutes.pdf' });
    await card.waitFor();
    const download = card.getByTestId('file-download');
    const pdf = await fetchInPage(b, (await download.getAttribute('href'))!);
    expect(pdf).toMatchObject({ status: 200, type: 'application/pdf' });
    expect(pdf.disposition).toMatch(/^attachment; filename="minutes.pdf"/);
    expect(Buffer.from(pdf.base64, 'base64').equals(PDF)).toBe(true);
    expect(await download.getAttribute('download')).toBe('minutes.pdf');

    await noAnimations(b);
    await noAnimations(alice.page);
    await b.screenshot({ path: `${SHOTS}files-desktop.png` });
    await alice.page.screenshot({ path: `${SHOTS}files-desktop-sender.png` });
  });

  it('on phones: picked with the paperclip, shown in the narrow column, opened full screen', { timeout: 90_000 }, async () => {
    const s = await server();
    const alice = await openPage(s.httpUrl + '/', { viewport: PHONE, isMobile: true, hasTouch: true, reducedMotion: 'reduce' });
    const bob = await openPage(s.httpUrl + '/', { viewport: PHONE, isMobile: true, hasTouch: true, reducedMotion: 'reduce' });
    await enterChat(alice, 'alice');
    await enterChat(bob, 'bob');

    await alice.page.getByTestId('file-input').setInputFiles([{ name: 'whiteboard.jpg', mimeType: 'image/jpeg', buffer: await photo(900, 1200) }]);
    await noAnimations(alice.page);
    await alice.page.screenshot({ path: `${SHOTS}files-phone-composer.png` });
    await sendChosen(alice.page, 'the whiteboard after the meeting');

    const b = bob.page;
    const thumb = bubble(b, 'the whiteboard').getByTestId('file-image');
    await thumb.waitFor();
    const box = (await thumb.boundingBox())!;
    expect(box.width / box.height).toBeCloseTo(0.75, 1);
    expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
    await poll(() => thumb.locator('img').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
    await noAnimations(b);
    await b.screenshot({ path: `${SHOTS}files-phone.png` });

    await thumb.tap();
    const full = b.getByTestId('lightbox').locator('img.lightbox-image');
    await poll(() => full.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(900);
    const shown = (await full.boundingBox())!;
    expect(shown.width).toBeLessThanOrEqual(PHONE.width);
    expect(shown.height).toBeLessThanOrEqual(PHONE.height);
    await b.screenshot({ path: `${SHOTS}files-lightbox-phone.png` });
    await b.getByTestId('lightbox-close').tap();
    await poll(() => b.getByTestId('lightbox').count()).toBe(0);
  });
});
