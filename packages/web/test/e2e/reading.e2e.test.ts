// End-to-end, in real Chromium: reading a long room (older pages on scroll, a bounded DOM, the
// "new messages" button), the tab title while hidden, keyboard-only use, the Chinese interface, and
// an axe-core accessibility audit (WCAG 2 A and AA, colour contrast included).
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { AckFrame } from '@chat/protocol';
import type { TestClient, TestServer } from '../../../server/test/helpers.js';
import { audit } from './account-steps.js';
import { browserAvailable } from './browser.js';
import { bubble, enterChat, openPage, PHONE, poll, raw, say, server, useBrowser, visibleBubble } from './people.js';

const available = browserAvailable();
/** The message list keeps at most this many messages in the DOM (MessageList.vue). */
const DOM_WINDOW = 150;

/** A raw participant who has said `count` numbered things in the lobby. */
async function seeded(s: TestServer, count: number): Promise<TestClient> {
  const seeder = await raw(s.wsUrl({ nick: 'seeder' }));
  await seeder.request({ type: 'join', room: 'lobby' });
  const acks: Array<Promise<AckFrame>> = [];
  for (let i = 1; i <= count; i++) acks.push(seeder.request<AckFrame>({ type: 'send', room: 'lobby', id: `seed-${i}`, text: `seed ${i}` }, 30_000));
  await Promise.all(acks);
  return seeder;
}

const domMessages = (page: Page) => page.getByTestId('message').count();
const scrollListTo = (page: Page, where: 'top' | 'bottom') =>
  page.locator('.chat-box').evaluate((el, w) => {
    el.scrollTop = w === 'top' ? 0 : el.scrollHeight;
  }, where);

/** A constructed stylesheet (CSSOM, which CSP style-src allows, unlike an injected <style>). */
function noAnimations(): void {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync('*, *::before, *::after { animation: none !important; }');
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}


describe.skipIf(!available)('reading and accessibility in Chromium', () => {
  useBrowser();

  it('loads older pages when scrolled up, keeps the DOM bounded, and reaches the first message', { timeout: 60_000 }, async () => {
    const s = await server({ rateLimit: 0 });
    await seeded(s, 600);
    const reader = await openPage(s.httpUrl + '/');
    await enterChat(reader, 'reader');
    await visibleBubble(reader.page, 'seed 600').waitFor();
    expect(await bubble(reader.page, 'seed 551').count()).toBe(1); // the join's window: the newest 50
    expect(await bubble(reader.page, 'seed 550').count()).toBe(0);

    const firstSeq = async () => Number(await reader.page.getByTestId('message').first().getAttribute('data-seq'));
    let most = 0;
    for (let i = 0; i < 80 && (await firstSeq()) !== 1; i++) {
      await scrollListTo(reader.page, 'top');
      await reader.page.waitForTimeout(60);
      most = Math.max(most, await domMessages(reader.page));
    }
    expect(await firstSeq()).toBe(1);
    await poll(() => reader.page.locator('.list-edge').textContent()).toContain('beginning');
    expect(most).toBeGreaterThan(50); // older pages did arrive
    expect(most).toBeLessThanOrEqual(DOM_WINDOW);

    // And back down to the newest, still bounded.
    for (let i = 0; i < 80 && (await bubble(reader.page, 'seed 600').count()) === 0; i++) {
      await scrollListTo(reader.page, 'bottom');
      await reader.page.waitForTimeout(60);
      expect(await domMessages(reader.page)).toBeLessThanOrEqual(DOM_WINDOW);
    }
    await visibleBubble(reader.page, 'seed 600').waitFor();
    expect(reader.errors).toEqual([]);
  });

  it('stays pinned to the newest message, or offers a "new messages" button when the reader scrolled up', async () => {
    const s = await server({ rateLimit: 0 });
    const seeder = await seeded(s, 80);
    const reader = await openPage(s.httpUrl + '/');
    await enterChat(reader, 'reader');
    await visibleBubble(reader.page, 'seed 80').waitFor();

    // Pinned: a new message scrolls into view by itself.
    await seeder.request({ type: 'send', room: 'lobby', id: 'live-1', text: 'live while pinned' });
    await visibleBubble(reader.page, 'live while pinned').waitFor();
    expect(await reader.page.locator('.jump').count()).toBe(0);

    // Scrolled up: the list stays put and a button counts what arrived.
    await reader.page.locator('.chat-box').evaluate((el) => (el.scrollTop = 200));
    await reader.page.waitForTimeout(100);
    const before = await reader.page.locator('.chat-box').evaluate((el) => el.scrollTop);
    await seeder.request({ type: 'send', room: 'lobby', id: 'live-2', text: 'live while reading old ones' });
    const jump = reader.page.locator('.jump');
    await jump.waitFor();
    expect(await jump.innerText()).toMatch(/new messages.*1/i);
    expect(await reader.page.locator('.chat-box').evaluate((el) => el.scrollTop)).toBeLessThanOrEqual(before + 5);
    await jump.click();
    await visibleBubble(reader.page, 'live while reading old ones').waitFor();
    await poll(() => jump.count()).toBe(0);
  });

  it('shows the unread count in the tab title while the tab is hidden', async () => {
    const s = await server();
    const reader = await openPage(s.httpUrl + '/');
    await enterChat(reader, 'reader');
    const other = await raw(s.wsUrl({ nick: 'other' }));
    await other.request({ type: 'join', room: 'lobby' });
    expect(await reader.page.title()).toBe('Chat');
    const setHidden = (hidden: boolean) =>
      reader.page.evaluate((h) => {
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    await setHidden(true);
    await other.request({ type: 'send', room: 'lobby', id: 't1', text: 'are you there?' });
    await other.request({ type: 'send', room: 'lobby', id: 't2', text: 'hello?' });
    await poll(() => reader.page.title()).toBe('(2) Chat');
    await setHidden(false);
    await poll(() => reader.page.title()).toBe('Chat');
  });

  it('works with the keyboard alone, with a visible focus ring', async () => {
    const s = await server();
    const person = await openPage(s.httpUrl + '/');
    const page = person.page;
    // The name field has focus on arrival.
    await poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('nick-input');
    await page.keyboard.type('keys');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="connection-status"][data-state="online"]');
    // Entering puts the cursor in the composer.
    await poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('composer');
    // Tab through the whole page, round to the composer again; every stop shows a focus ring (the
    // page itself, between the last stop and the first, is not a stop).
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        return { tag: el?.tagName, id: el?.getAttribute('data-testid'), outline: el ? getComputedStyle(el).outlineStyle : 'none', shadow: el ? getComputedStyle(el).boxShadow : 'none' };
      });
      if (focused.tag === 'BODY') continue;
      expect(focused.outline !== 'none' || focused.shadow !== 'none', `no focus ring on ${JSON.stringify(focused)}`).toBe(true);
      if (focused.id === 'composer') break;
    }
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('composer');
    await page.keyboard.type('typed without a mouse');
    await page.keyboard.press('Enter');
    await poll(() => bubble(page, 'typed without a mouse').getAttribute('data-status')).toBe('sent');
    // The room input is reachable and works from the keyboard too.
    await page.getByTestId('new-room').focus();
    await page.keyboard.type('by-keys');
    await page.keyboard.press('Enter');
    await poll(() => page.locator('.room-title').innerText()).toContain('by-keys');
  });

  it('speaks Chinese to a Chinese browser, and switches to English', async () => {
    const s = await server();
    const person = await openPage(s.httpUrl + '/', { locale: 'zh-CN' });
    const page = person.page;
    await poll(() => page.locator('h1').innerText()).toBe('欢迎来到聊天室');
    await enterChat(person, '小明');
    expect(await page.getByTestId('send').innerText()).toBe('发送');
    expect(await page.getByTestId('online-count').innerText()).toContain('人在线');
    await say(page, '你好，世界');
    await poll(() => bubble(page, '你好，世界').getAttribute('data-status')).toBe('sent');
    await page.locator('.sidebar select').selectOption('en');
    await poll(() => page.getByTestId('send').innerText()).toBe('Send');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
  });

  it('passes an axe-core WCAG 2.1 A/AA audit on the welcome screen, the chat, and a phone', async () => {
    const s = await server();
    const other = await raw(s.wsUrl({ nick: 'bob' }));
    await other.request({ type: 'join', room: 'lobby' });
    await other.request({ type: 'send', room: 'lobby', id: 'a1', text: 'A link: https://example.org and some text' });
    const person = await openPage(s.httpUrl + '/');
    expect(await audit(person.page)).toEqual([]);
    await enterChat(person, 'alice');
    await say(person.page, 'my own green bubble');
    await poll(() => bubble(person.page, 'my own green bubble').getAttribute('data-status')).toBe('sent');
    await person.page.evaluate(noAnimations);
    expect(await audit(person.page)).toEqual([]);
    const phone = await openPage(s.httpUrl + '/', { viewport: PHONE, isMobile: true, hasTouch: true });
    await enterChat(phone, 'carol');
    await phone.page.evaluate(noAnimations);
    expect(await audit(phone.page)).toEqual([]);
  });
});
