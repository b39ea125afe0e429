// End-to-end, in real Chromium: formatted messages (issue 16). Markdown shows as bold, code, code
// blocks, quotes and lists in green and white bubbles, roomy and compact; a javascript: link stays
// text; a long code line scrolls inside its bubble; a mention of the reader is highlighted; and
// the page stays free of WCAG A/AA violations. Screenshots go to /tmp for a look.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { audit, noAnimations } from './account-steps.js';
import { browserAvailable } from './browser.js';
import { bubble, enterChat, openPage, poll, raw, say, server, useBrowser } from './people.js';

const available = browserAvailable();

const formatted = (who: string) => [
  `**bold ${who}** and \`inline code\`, ~~struck~~ and _leaning_, [docs](https://example.org/docs) and [trap](javascript:alert(1))`,
  '',
  '```',
  'const answer = 42; // a long line that does not fit in the bubble, so that the block scrolls sideways instead',
  '```',
  '',
  '> a quoted line',
  '',
  '- one',
  '- two',
  '',
  '1. first',
  '2. second',
].join('\n');

/** Tags and links inside the bubble that holds `text`. */
function shape(page: Page, text: string) {
  return bubble(page, text).evaluate((el) => ({
    tags: ['strong', 'em', 's', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li'].filter((tag) => el.querySelector(`.msg-text ${tag}`) !== null),
    hrefs: Array.from(el.querySelectorAll('a')).map((a) => a.getAttribute('href')),
  }));
}

/** Whether the bubble's code block scrolls sideways while the bubble stays inside its column. */
function codeScrollsInside(page: Page, text: string) {
  return bubble(page, text).evaluate((el) => {
    const pre = el.querySelector('pre')!;
    const column = el.closest('.bubble-column')!.getBoundingClientRect();
    const box = el.getBoundingClientRect();
    return { scrolls: pre.scrollWidth > pre.clientWidth, inside: box.left >= column.left - 1 && box.right <= column.right + 1 };
  });
}

describe.skipIf(!available)('formatted messages in Chromium', () => {
  useBrowser();

  it('shows Markdown as formatting in both bubble colours, never a javascript: link, and highlights mentions of the reader', { timeout: 60_000 }, async () => {
    const s = await server();
    const bob = await raw(s.wsUrl({ nick: 'bob' }));
    await bob.request({ type: 'join', room: 'lobby' });
    const alice = await openPage(s.httpUrl + '/', { reducedMotion: 'reduce' });
    await enterChat(alice, 'alice');
    const page = alice.page;

    await bob.request({ type: 'send', room: 'lobby', id: 'md-1', text: formatted('from bob') });
    await bob.request({ type: 'send', room: 'lobby', id: 'md-2', text: 'hey @Alice, and @carol: see `@alice` in code' });
    await say(page, formatted('from alice'));
    // The mention first: a text ending in `@bob` would leave the composer's @ list open, and Enter would pick from it.
    await say(page, '@bob thanks');
    await poll(() => bubble(page, 'thanks').getAttribute('data-status')).toBe('sent');

    for (const text of ['bold from bob', 'bold from alice']) {
      expect(await shape(page, text)).toEqual({ tags: ['strong', 'em', 's', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li'], hrefs: ['https://example.org/docs'] });
      expect(await bubble(page, text).innerText()).toContain('[trap](javascript:alert(1))');
      expect(await codeScrollsInside(page, text)).toEqual({ scrolls: true, inside: true });
    }
    expect(await page.locator('a[href^="javascript:" i]').count()).toBe(0);
    expect(await bubble(page, 'bold from alice').evaluate((el) => el.closest('.mine') !== null)).toBe(true);

    // Bob's mention of alice is hers; carol's and the one in code are not.
    const mentions = bubble(page, 'hey').locator('.mention');
    expect((await mentions.allTextContents()).map((t) => t.trim())).toEqual(['@Alice (mentions you)', '@carol']);
    expect(await bubble(page, 'hey').locator('.mention-me').count()).toBe(1);
    expect(await bubble(page, 'hey').locator('code').innerText()).toBe('@alice');
    expect(await bubble(page, 'thanks').locator('.mention-me').count()).toBe(0);
    expect(await bubble(page, 'thanks').locator('.mention').count()).toBe(1);

    await noAnimations(page);
    expect(await audit(page)).toEqual([]);
    await page.screenshot({ path: '/tmp/markdown-e2e.png' });

    await page.getByTestId('user-menu').click();
    await page.getByTestId('compact-toggle').click();
    await page.keyboard.press('Escape');
    for (const text of ['bold from bob', 'bold from alice']) expect(await codeScrollsInside(page, text)).toEqual({ scrolls: true, inside: true });
    expect(await audit(page)).toEqual([]);
    await page.screenshot({ path: '/tmp/markdown-e2e-compact.png' });

    expect(alice.errors).toEqual([]);
    bob.close();
  });
});
