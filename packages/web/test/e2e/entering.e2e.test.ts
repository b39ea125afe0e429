// End-to-end, in real Chromium: the first seconds after entering. The cursor is in the composer
// (typing right away writes a message), and the language picker's label stands apart from its
// select instead of reading "LanguageEnglish". A phone's composer does not mention Shift+Enter.
import { describe, expect, it } from 'vitest';
import { browserAvailable } from './browser.js';
import { enterChat, openPage, PHONE, poll, server, useBrowser } from './people.js';

const available = browserAvailable();

describe.skipIf(!available)('entering the chat in Chromium', () => {
  useBrowser();

  it('puts the cursor in the composer, so typing at once writes a message', async () => {
    const s = await server();
    const alice = await openPage(s.httpUrl + '/');
    await enterChat(alice, 'alice');
    const page = alice.page;
    await poll(() => page.evaluate(() => document.activeElement?.id ?? null)).toBe('composer');
    await page.keyboard.type('typed straight away');
    expect(await page.getByTestId('composer').inputValue()).toBe('typed straight away');
  });

  it('keeps the language label apart from its select, on the welcome screen and in the sidebar', async () => {
    const s = await server();
    const alice = await openPage(s.httpUrl + '/');
    const gap = () =>
      alice.page.locator('.lang:visible').evaluate((label) => {
        const text = label.querySelector('span')!.getBoundingClientRect();
        const select = label.querySelector('select')!.getBoundingClientRect();
        return Math.round(select.left - text.right);
      });
    await alice.page.getByTestId('nick-input').waitFor();
    expect(await gap()).toBeGreaterThanOrEqual(4);
    await enterChat(alice, 'alice');
    expect(await gap()).toBeGreaterThanOrEqual(4);
  });

  it('tells a phone to write a message, without the keyboard shortcuts a desktop gets', async () => {
    const s = await server();
    const phone = await openPage(s.httpUrl + '/', { viewport: PHONE, isMobile: true, hasTouch: true });
    await enterChat(phone, 'jo');
    expect(await phone.page.getByTestId('composer').getAttribute('placeholder')).toBe('Write a message…');
    const desktop = await openPage(s.httpUrl + '/');
    await enterChat(desktop, 'kim');
    expect(await desktop.page.getByTestId('composer').getAttribute('placeholder')).toContain('Shift+Enter');
  });
});
