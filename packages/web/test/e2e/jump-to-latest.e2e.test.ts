// End-to-end, in real Chromium: a "Jump to latest" button shows whenever the reader is not at the
// bottom of the message list, even with no new message since (it used to show only for new
// ones), and takes the reader back to the newest message.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserAvailable } from './browser.js';
import { bubble, enterChat, openPage, poll, raw, server, useBrowser } from './people.js';

const available = browserAvailable();

/** Pixels between the list's visible bottom and its end. */
const distanceFromBottom = (page: Page) =>
  page.locator('.chat-box').evaluate((el) => Math.round(el.scrollHeight - el.scrollTop - el.clientHeight));

describe.skipIf(!available)('jump to latest in Chromium', () => {
  useBrowser();

  it('appears when scrolled up without new messages, and scrolls to the bottom when clicked, focusing the list', { timeout: 60_000 }, async () => {
    const s = await server({ rateLimit: 0, rateLimitPerIp: 0 });
    const bob = await raw(s.wsUrl({ nick: 'bob' }));
    await bob.request({ type: 'join', room: 'lobby' });
    for (let i = 1; i <= 40; i++) await bob.request({ type: 'send', room: 'lobby', id: `m${i}`, text: `message number ${i}` });
    const alice = await openPage(s.httpUrl + '/');
    await enterChat(alice, 'alice');
    const page = alice.page;
    const jump = page.getByTestId('jump-latest');
    await bubble(page, 'message number 40').waitFor();
    await poll(() => distanceFromBottom(page)).toBeLessThan(40);
    expect(await jump.count()).toBe(0);

    await page.locator('.chat-box').evaluate((el) => el.scrollBy(0, -600));
    await jump.waitFor({ state: 'visible' });
    expect(await jump.innerText()).toContain('Jump to latest');
    await jump.click();
    await poll(() => distanceFromBottom(page)).toBeLessThan(40);
    await poll(() => jump.count()).toBe(0);
    // The button is gone from under the pointer: focus is on the list, not lost to the page.
    expect(await page.evaluate(() => document.activeElement?.classList.contains('chat-box'))).toBe(true);
    expect(alice.errors).toEqual([]);
  });
});
