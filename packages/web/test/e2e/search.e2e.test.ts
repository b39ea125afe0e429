// End-to-end, in real Chromium against the real server, search (issue 18): Ctrl+K focuses the box;
// a mixed Chinese and English query finds messages in two rooms, grouped by room, the words marked
// and HTML shown as text (private rooms are the integration tests' job); ↓ ↓ Enter opens an old
// message of the lobby (older pages loaded) and highlights it; `/` in the composer is just typed;
// Escape gives focus back; the same on a phone, full screen. Axe is clean on both. Screenshots go
// to docs/screenshots with UPDATE_SCREENSHOTS=1 (else a temp dir).
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { audit, noAnimations } from './account-steps.js';
import { browserAvailable } from './browser.js';
import { bubble, enterChat, openPage, PHONE, poll, raw, server, useBrowser } from './people.js';

const available = browserAvailable();
const SHOTS =
  process.env.UPDATE_SCREENSHOTS === '1' ? fileURLToPath(new URL('../../../../docs/screenshots/', import.meta.url)) : `${mkdtempSync(join(tmpdir(), 'chat-shots-'))}/`;
mkdirSync(SHOTS, { recursive: true });

describe.skipIf(!available)('search in Chromium', () => {
  useBrowser();

  it('finds English and Chinese across rooms, grouped and marked, and opens an old message', { timeout: 120_000 }, async () => {
    const s = await server({ rateLimit: 0 });
    const bob = await raw(s.wsUrl({ nick: 'bob' }));
    for (const room of ['lobby', 'dev']) await bob.request({ type: 'join', room });
    for (let i = 1; i <= 130; i++) {
      const text = i === 5 ? '我们明天在北京开会, and the release meeting is at 10 <b>not bold</b>' : `message number ${i}`;
      await bob.request({ type: 'send', room: 'lobby', id: `m${i}`, text });
    }
    await bob.request({ type: 'send', room: 'dev', id: 'd1', text: `Release notes for the 北京 office: ${'lorem ipsum dolor sit amet '.repeat(12)}the end` });

    const alice = await openPage(s.httpUrl + '/', { reducedMotion: 'reduce' });
    const page = alice.page;
    await enterChat(alice, 'alice');
    await noAnimations(page);
    await page.getByTestId('composer').focus();
    await page.keyboard.press('Control+k');
    await page.getByTestId('search-input').waitFor();
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('search-input');
    await page.keyboard.type('北京 release');
    const results = page.getByTestId('search-result');
    await poll(() => results.count()).toBe(2);
    expect((await page.getByTestId('search-room').allInnerTexts()).map((t) => t.toLowerCase())).toEqual(['#dev', '#lobby']);
    expect(await results.evaluateAll((els) => els.map((e) => [e.getAttribute('data-room'), e.getAttribute('data-seq')]))).toEqual([
      ['dev', '1'],
      ['lobby', '5'],
    ]);
    const marked = await results.nth(1).locator('mark').allInnerTexts();
    expect(marked.map((m) => m.toLowerCase())).toEqual(expect.arrayContaining(['北京', 'release']));
    expect(await results.nth(1).innerText()).toContain('<b>not bold</b>');
    expect(await audit(page)).toEqual([]);
    await page.screenshot({ path: `${SHOTS}search-desktop.png` });

    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await poll(() => page.getByTestId('search-panel').count()).toBe(0);
    await bubble(page, '我们明天在北京开会').waitFor();
    await poll(() => bubble(page, '我们明天在北京开会').evaluate((el) => el.closest('.highlighted') !== null)).toBe(true);
    await page.screenshot({ path: `${SHOTS}search-opened.png` });

    // `/` typed into the composer is text; Escape closes the panel and gives focus back.
    await page.getByTestId('composer').focus();
    await page.keyboard.press('/');
    expect(await page.getByTestId('search-panel').count()).toBe(0);
    expect(await page.getByTestId('composer').inputValue()).toBe('/');
    await page.keyboard.press('Control+k');
    await page.getByTestId('search-input').waitFor();
    await page.keyboard.press('Escape');
    await poll(() => page.getByTestId('search-panel').count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('composer');

    const phone = await openPage(s.httpUrl + '/', { viewport: PHONE, isMobile: true, hasTouch: true, reducedMotion: 'reduce' });
    await enterChat(phone, 'carol');
    await noAnimations(phone.page);
    await phone.page.getByTestId('search-open').tap();
    await phone.page.getByTestId('search-input').fill('北京');
    await poll(() => phone.page.getByTestId('search-result').count()).toBe(2);
    const panel = (await phone.page.getByTestId('search-panel').boundingBox())!;
    expect(panel.width).toBeGreaterThanOrEqual(PHONE.width - 1);
    expect(await audit(phone.page)).toEqual([]);
    await phone.page.screenshot({ path: `${SHOTS}search-phone.png` });
    await phone.page.getByTestId('search-result').nth(0).tap();
    await poll(() => phone.page.getByTestId('search-panel').count()).toBe(0);
    await bubble(phone.page, 'Release notes for the 北京 office').waitFor();
    expect([...alice.errors, ...phone.errors]).toEqual([]);
  });
});
