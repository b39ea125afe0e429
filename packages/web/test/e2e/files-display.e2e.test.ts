// How a message's files look in real Chromium (Version 1.1, "Files", issue 17), display only: the
// real server and page, with `files` added to chosen messages on their way in (Playwright's
// WebSocket route) and the file links answered by the test, which holds the thumbnails back to
// prove that the list does not move when they arrive: their boxes are reserved, and the list stays
// on the newest message. Then a broken image's placeholder, the lightbox (keys, focus, phone
// size, the page's CSP) and axe with colour contrast. Uploading and sending files is the whole-flow test's job.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { Page, Route } from 'playwright-core';
import type { FileInfo } from '@chat/protocol';
import { describe, expect, it } from 'vitest';
import { audit, noAnimations } from './account-steps.js';
import { browserAvailable } from './browser.js';
import { enterChat, openPage, PHONE, poll, say, server, useBrowser } from './people.js';

const available = browserAvailable();
const SHOTS =
  process.env.UPDATE_SCREENSHOTS === '1' ? fileURLToPath(new URL('../../../../docs/screenshots/', import.meta.url)) : `${mkdtempSync(join(tmpdir(), 'chat-shots-'))}/`;
mkdirSync(SHOTS, { recursive: true });

const link = (id: string, name: string) => `api/files/${id}/${encodeURIComponent(name)}?exp=9999999999&sig=test`;
const file = (id: string, name: string, type: string, size: number): FileInfo => ({ id, name, size, type, url: link(id, name) });
const image = (id: string, name: string, width: number, height: number): FileInfo => ({
  ...file(id, name, 'image/png', width * height),
  width,
  height,
  thumbUrl: link(id, 'thumb.png'),
});

/** What a message's text asks for: `files:KEY` becomes this text with these files. */
const ATTACHED: Record<string, { text: string; files: FileInfo[] }> = {
  'files:one': { text: 'the view from the office', files: [image('i1', 'office view.png', 1600, 1200)] },
  'files:grid': { text: '', files: [image('i2', 'a.png', 800, 600), image('i3', 'b.png', 600, 900), image('i4', 'c.png', 500, 500)] },
  'files:docs': {
    text: 'the papers',
    files: [
      file('d1', 'quarterly report with a rather long name that will not fit.pdf', 'application/pdf', 1_234_567),
      file('d2', 'photos.zip', 'application/zip', 52_000),
      file('d3', 'notes.txt', 'application/octet-stream', 900),
      file('d4', 'voice.ogg', 'audio/ogg', 80_000),
      file('d5', 'clip.mp4', 'video/mp4', 3_000_000),
    ],
  },
  'files:gone': { text: '', files: [image('i5', 'expired.png', 400, 300)] },
};

/** Adds `files` to the messages that ask for them, in every frame that carries messages. */
function attach(frame: Record<string, unknown>): void {
  const lists = [frame, ...((frame.history ?? frame.messages ?? []) as Array<Record<string, unknown>>)];
  for (const m of lists) {
    const wanted = typeof m.text === 'string' ? ATTACHED[m.text] : undefined;
    if (wanted) Object.assign(m, { text: wanted.text, files: wanted.files });
  }
}

async function png(width: number, height: number, colour: string): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } }).png().toBuffer();
}

/**
 * A page whose socket and file links the test plays; thumbnails wait for `release()`. With `audit`,
 * the page's CSP is bypassed so that axe can be evaluated in it; otherwise it is kept, and its
 * violations are recorded (styles set from script, the lightbox's lazy stylesheet).
 */
async function pageWithFiles(url: string, options: { audit: boolean }) {
  const person = await openPage('about:blank', { bypassCSP: options.audit });
  const { page } = person;
  await page.addInitScript(() => {
    const w = window as unknown as { violations: string[] };
    w.violations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.routeWebSocket(/\/ws/, (ws) => {
    const upstream = ws.connectToServer();
    upstream.onMessage((data) => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      attach(frame);
      ws.send(JSON.stringify(frame));
    });
    ws.onMessage((data) => upstream.send(data));
  });
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const thumb = await png(320, 240, '#4f86c6');
  const full = await png(1600, 1200, '#c66f4f');
  await page.route(/\/api\/files\//, async (route: Route) => {
    const path = new URL(route.request().url()).pathname;
    if (path.includes('/i5/')) return route.fulfill({ status: 404, body: 'not found' });
    if (path.endsWith('/thumb.png')) await released;
    await route.fulfill({ status: 200, contentType: 'image/png', body: path.endsWith('/thumb.png') ? thumb : full });
  });
  await page.goto(url);
  await noAnimations(page);
  return { person, page, release };
}

const list = (page: Page) => page.locator('.chat-box');
/** How far the list is from its bottom edge, and how tall its content is. */
const place = (page: Page) => list(page).evaluate((el) => ({ fromBottom: el.scrollHeight - el.scrollTop - el.clientHeight, height: el.scrollHeight }));
const loadedImages = (page: Page) => page.locator('.file-image img').evaluateAll((els) => els.filter((e) => (e as HTMLImageElement).complete && (e as HTMLImageElement).naturalWidth > 0).length);

describe.skipIf(!available)('files in the timeline, in Chromium', () => {
  useBrowser();

  it('reserves every thumbnail box, stays on the newest message while images load, and passes axe', { timeout: 120_000 }, async () => {
    const s = await server({ rateLimit: 0, rateLimitPerIp: 0 });
    const { person, page, release } = await pageWithFiles(s.httpUrl + '/', { audit: true });
    await enterChat(person, 'alice');
    for (let i = 1; i <= 12; i++) await say(page, `filler ${i}`);
    for (const key of Object.keys(ATTACHED)) await say(page, key);
    await page.getByTestId('file-broken').waitFor();
    await poll(() => page.getByTestId('file-image').count()).toBe(5);
    await poll(async () => (await place(page)).fromBottom).toBeLessThan(2);
    const before = await place(page);
    expect(await loadedImages(page)).toBe(0);

    // One image: its own shape within 320×320; several: square tiles.
    const single = page.locator('[data-testid="file-image"][data-file-id="i1"]');
    expect(await single.evaluate((el) => [el.getBoundingClientRect().width, el.getBoundingClientRect().height])).toEqual([320, 240]);
    const tile = await page.locator('[data-file-id="i3"]').boundingBox();
    expect(Math.abs(tile!.width - tile!.height)).toBeLessThan(1);

    release();
    await poll(() => loadedImages(page)).toBe(4);
    expect(await place(page)).toEqual(before);
    await page.screenshot({ path: `${SHOTS}files-timeline.png` });

    // A card: the whole name in its title, the size, a download link with the name.
    const card = page.getByTestId('file-card').first();
    expect(await card.getByTestId('file-size').innerText()).toBe('1.2 MB');
    expect(await card.getByTestId('file-download').getAttribute('download')).toBe('quarterly report with a rather long name that will not fit.pdf');
    const name = card.getByTestId('file-name');
    expect(await name.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    expect(await audit(page)).toEqual([]);
    await card.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: `${SHOTS}files-cards.png` });
    await page.locator('[data-file-id="i1"]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}files-images.png` });

    await page.locator('[data-file-id="i3"]').click();
    await page.getByTestId('lightbox').waitFor();
    expect(await page.getByTestId('lightbox-count').innerText()).toBe('3 of 5');
    expect(await audit(page)).toEqual([]);
  });

  it('opens the lightbox, steps through the room’s images, closes back to the thumbnail, and fills a phone, under the page’s CSP', { timeout: 120_000 }, async () => {
    const s = await server({ rateLimit: 0, rateLimitPerIp: 0 });
    const { person, page, release } = await pageWithFiles(s.httpUrl + '/', { audit: false });
    release();
    await enterChat(person, 'alice');
    for (const key of Object.keys(ATTACHED)) await say(page, key);
    await poll(() => page.getByTestId('file-image').count()).toBe(5);

    const thumbnail = page.locator('[data-testid="file-image"][data-file-id="i1"]');
    await thumbnail.focus();
    await page.keyboard.press('Enter');
    const box = page.getByTestId('lightbox');
    await box.waitFor();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('lightbox-close');
    expect(await page.getByTestId('lightbox-count').innerText()).toBe('1 of 5');
    await poll(() => box.locator('img').evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(1600);
    await page.keyboard.press('ArrowRight');
    expect(await page.getByTestId('lightbox-count').innerText()).toBe('2 of 5');
    expect(await box.locator('img').getAttribute('alt')).toBe('a.png');
    await page.screenshot({ path: `${SHOTS}files-lightbox.png` });
    // Tab stays inside the dialog.
    for (let i = 0; i < 6; i++) await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.closest('[data-testid="lightbox"]') !== null)).toBe(true);
    await page.keyboard.press('Escape');
    await box.waitFor({ state: 'detached' });
    expect(await thumbnail.evaluate((el) => el === document.activeElement)).toBe(true);

    await page.setViewportSize(PHONE);
    // The member list is an overlay there: Escape closes it.
    if (await page.getByTestId('members-backdrop').count()) await page.getByTestId('composer').press('Escape');
    await page.getByTestId('members-backdrop').waitFor({ state: 'detached' });
    await thumbnail.click();
    await box.waitFor();
    expect(await box.boundingBox()).toEqual({ x: 0, y: 0, width: PHONE.width, height: PHONE.height });
    const image = await box.locator('img').boundingBox();
    expect(image!.width).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: `${SHOTS}files-lightbox-phone.png` });
    // A click beside the image closes it.
    await page.mouse.click(PHONE.width / 2, PHONE.height - 10);
    await box.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => (window as unknown as { violations: string[] }).violations)).toEqual([]);
    // The one error: the expired image's 404, which the page shows as a placeholder.
    expect(person.errors.filter((e) => !/status of 404/.test(e))).toEqual([]);
  });
});
