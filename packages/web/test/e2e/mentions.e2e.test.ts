// Mentions and read state in real Chromium against the real server (Version 1.1, "Mentions, read
// state and the user's rooms"): the composer's `@` list picked with the keyboard and by a tap; the
// mention badge and unread count in the sidebar, the same on a second device and dropping there
// when the first reads; the "unread" line; and read markers that follow what is actually in view.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { audit, authenticate, createRoom, noAnimations, openRoom, roomList } from './account-steps.js';
import { browserAvailable } from './browser.js';
import { bubble, openPage, PHONE, poll, raw, say, server, useBrowser, visibleBubble } from './people.js';

const available = browserAvailable();

const entry = (page: Page, label: string) => roomList(page).locator('.room-entry', { hasText: label });
const mentionBadge = (page: Page, label: string) => entry(page, label).getByTestId('mention-badge');
const unreadBadge = (page: Page, label: string) => entry(page, label).getByTestId('unread-badge');
const suggestions = (page: Page) => page.getByTestId('mention-option').allInnerTexts();

interface ListedRoom {
  name: string;
  readSeq: number;
  lastSeq: number;
  unread: number;
  mentions: number;
}

/** The server's view of the signed-in user's rooms (`api/me/rooms`, with the page's cookie). */
async function myRoom(page: Page, name: string): Promise<ListedRoom | undefined> {
  const body = await page.evaluate(() => fetch('api/me/rooms').then((r) => r.json() as Promise<{ rooms: ListedRoom[] }>));
  return body.rooms.find((r) => r.name === name);
}

describe.skipIf(!available)('mentions and read state in Chromium', () => {
  useBrowser();

  it('bob picks alice from the @ list with the keyboard; her sidebar, her other device and the unread line follow', { timeout: 120_000 }, async () => {
    const s = await server();
    const alice = await openPage(s.httpUrl + '/');
    await authenticate(alice, 'register', 'alice', 'alice-password-1');
    await createRoom(alice.page, 'design');
    await entry(alice.page, 'lobby').locator('.room-button').click();

    const albert = await raw(s.wsUrl({ nick: 'albert' }));
    await albert.request({ type: 'join', room: 'design' });
    const bob = await openPage(s.httpUrl + '/');
    await authenticate(bob, 'register', 'bob', 'bob-password-1');
    await openRoom(bob.page, 'design');
    await say(bob.page, 'first news, unread by alice');
    await say(bob.page, 'second news');

    // "@al": albert (a guest, so marked) and alice, alphabetically; bob himself is never offered.
    const composer = bob.page.getByTestId('composer');
    await composer.click();
    await bob.page.keyboard.type('look @al');
    await poll(() => suggestions(bob.page)).toEqual(['AL\nalbert\nguest', 'AL\nalice']);
    expect(await composer.getAttribute('role')).toBe('combobox');
    expect(await composer.getAttribute('aria-expanded')).toBe('true');
    expect(await composer.getAttribute('aria-controls')).toBe('mention-suggest');
    expect(await bob.page.getByTestId('mention-suggest').getAttribute('role')).toBe('listbox');
    const activeText = () => bob.page.evaluate(() => document.getElementById(document.getElementById('composer')!.getAttribute('aria-activedescendant') ?? '')?.innerText);
    expect(await activeText()).toContain('albert');
    await noAnimations(bob.page);
    expect(await audit(bob.page)).toEqual([]);
    await bob.page.screenshot({ path: '/tmp/mentions-autocomplete.png' });
    await bob.page.keyboard.press('ArrowDown');
    expect(await activeText()).toContain('alice');
    await bob.page.keyboard.press('ArrowDown'); // round to the first
    expect(await activeText()).toContain('albert');
    await bob.page.keyboard.press('ArrowUp');
    expect(await activeText()).toContain('alice');
    // Escape closes only the list; typing on opens it again; Enter picks (and sends nothing).
    await bob.page.keyboard.press('Escape');
    await poll(() => bob.page.getByTestId('mention-suggest').count()).toBe(0);
    expect(await composer.getAttribute('aria-expanded')).toBe('false');
    await bob.page.keyboard.press('Backspace');
    await poll(() => suggestions(bob.page)).toHaveLength(2);
    await bob.page.keyboard.press('ArrowDown');
    await bob.page.keyboard.press('Enter');
    expect(await composer.inputValue()).toBe('look @alice ');
    await poll(() => bob.page.getByTestId('mention-suggest').count()).toBe(0);
    await bob.page.keyboard.type('at this');
    await bob.page.keyboard.press('Enter');
    await bubble(bob.page, 'look @alice at this').waitFor();

    // Alice, in the lobby: design has 3 unread, 1 of them naming her, in words for screen readers too.
    await poll(() => mentionBadge(alice.page, 'design').innerText()).toBe('@1');
    await poll(() => unreadBadge(alice.page, 'design').innerText()).toBe('3');
    expect(await entry(alice.page, 'design').locator('.room-button').innerText()).toContain('3 unread, 1 mention');

    // Her laptop, signed in later: the same counts, from api/me/rooms.
    const laptop = await openPage(s.httpUrl + '/');
    await authenticate(laptop, 'signin', 'alice', 'alice-password-1');
    await poll(() => mentionBadge(laptop.page, 'design').innerText()).toBe('@1');
    await poll(() => unreadBadge(laptop.page, 'design').innerText()).toBe('3');
    await entry(laptop.page, 'lobby').locator('.room-button').click();
    await roomList(laptop.page).screenshot({ path: '/tmp/mentions-sidebar.png' });

    // Alice opens design: the unread line sits above bob's first unread message, and stays.
    await entry(alice.page, 'design').locator('.room-button').click();
    // (Her copy of the mention says "(mentions you)" to screen readers after the name.)
    await visibleBubble(alice.page, 'at this').waitFor();
    const line = alice.page.getByTestId('unread-line');
    await line.waitFor();
    expect(await line.innerText()).toMatch(/unread/i);
    expect(await line.evaluate((el) => (el.nextElementSibling as HTMLElement).innerText)).toContain('first news, unread by alice');
    await alice.page.screenshot({ path: '/tmp/mentions-unread-line.png' });
    await say(bob.page, 'while she reads');
    await visibleBubble(alice.page, 'while she reads').waitFor();
    expect(await line.count()).toBe(1);

    // Read: the laptop's counts drop (read event), and api/me/rooms says so.
    await poll(() => entry(laptop.page, 'design').locator('[data-testid$="-badge"]').count()).toBe(0);
    await poll(async () => (await myRoom(laptop.page, 'design'))?.unread).toBe(0);
    expect((await myRoom(laptop.page, 'design'))?.mentions).toBe(0);

    // Back to the lobby and to design again: read, so no line and no badge.
    await entry(alice.page, 'lobby').locator('.room-button').click();
    expect(await entry(alice.page, 'design').locator('[data-testid$="-badge"]').count()).toBe(0);
    await entry(alice.page, 'design').locator('.room-button').click();
    await visibleBubble(alice.page, 'while she reads').waitFor();
    expect(await line.count()).toBe(0);

    for (const p of [alice, bob, laptop]) expect(p.errors).toEqual([]);
  });

  it('on a phone, tapping a name picks it and the keyboard stays with the composer', { timeout: 60_000 }, async () => {
    const s = await server();
    const alice = await raw(s.wsUrl({ nick: 'alice' }));
    await alice.request({ type: 'join', room: 'lobby' });
    const bob = await openPage(s.httpUrl + '/', { viewport: PHONE, hasTouch: true, isMobile: true });
    await bob.page.getByTestId('nick-input').fill('bob');
    await bob.page.getByTestId('nick-input').press('Enter');
    const composer = bob.page.getByTestId('composer');
    await composer.waitFor();
    await composer.tap();
    await bob.page.keyboard.type('thanks @Al');
    const option = bob.page.getByTestId('mention-option').filter({ hasText: 'alice' });
    await option.waitFor();
    await bob.page.screenshot({ path: '/tmp/mentions-phone.png' });
    await option.tap();
    expect(await composer.inputValue()).toBe('thanks @alice ');
    expect(await bob.page.evaluate(() => document.activeElement?.id)).toBe('composer');
    await poll(() => bob.page.getByTestId('mention-suggest').count()).toBe(0);
    await bob.page.getByTestId('send').tap();
    const said = await alice.next((f) => f.type === 'message' && f.text === 'thanks @alice');
    expect(said).toMatchObject({ mentions: [expect.any(String)] });
    expect(bob.errors).toEqual([]);
  });

  it('marks read only what is in view, while the window has focus', { timeout: 90_000 }, async () => {
    const s = await server();
    const alice = await openPage(s.httpUrl + '/');
    await authenticate(alice, 'register', 'alice', 'alice-password-1');
    await createRoom(alice.page, 'elsewhere');
    const bob = await raw(s.wsUrl({ nick: 'bob' }));
    await bob.request({ type: 'join', room: 'lobby' });
    const send = async (text: string) => (await bob.request({ type: 'send', room: 'lobby', id: text.replace(/\W/g, '-'), text })) as unknown as { seq: number };
    // Tall messages, more than fit, while alice is in another room (slow enough for the send rate limit).
    const before = (await myRoom(alice.page, 'lobby'))!.readSeq;
    let last = 0;
    for (let i = 1; i <= 15; i++) {
      last = (await send(`old ${i}\n${'more\n'.repeat(5)}end`)).seq;
      await alice.page.waitForTimeout(120);
    }
    await poll(() => unreadBadge(alice.page, 'lobby').innerText()).toBe('15');

    // She opens the lobby: it starts at the unread line, and only what is in view is read.
    await entry(alice.page, 'lobby').locator('.room-button').click();
    const line = alice.page.getByTestId('unread-line');
    await line.waitFor();
    const box = alice.page.locator('.chat-box');
    const inView = () =>
      box.evaluate((el) => {
        const view = el.getBoundingClientRect();
        const seqs = [...el.querySelectorAll<HTMLElement>('[data-seq]')].filter((m) => {
          const r = m.getBoundingClientRect();
          return r.bottom > view.top && r.top < view.bottom;
        });
        return seqs.map((m) => Number(m.dataset.seq));
      });
    expect(await line.evaluate((el) => el.getBoundingClientRect().top >= el.parentElement!.getBoundingClientRect().top)).toBe(true);
    await poll(async () => (await myRoom(alice.page, 'lobby'))!.readSeq).toBeGreaterThan(before);
    await alice.page.waitForTimeout(1200);
    const opened = (await myRoom(alice.page, 'lobby'))!;
    expect(opened.readSeq).toBeLessThanOrEqual(Math.max(...(await inView())));
    expect(opened.readSeq).toBeLessThan(last);
    expect(opened.unread).toBeGreaterThan(0);
    await alice.page.getByTestId('jump-latest').click();
    await poll(async () => (await myRoom(alice.page, 'lobby'))?.readSeq).toBe(last);
    expect((await myRoom(alice.page, 'lobby'))!.unread).toBe(0);

    // Scrolled up among old messages: newer ones arrive, and stay unread as she scrolls there.
    // The list learns it left the bottom from its scroll event, which the browser dispatches at its
    // next frame: wait for it, or a message arriving first would still find the list following.
    await box.evaluate((el) => new Promise((resolve) => {
      el.addEventListener('scroll', resolve, { once: true });
      el.scrollTop = 0;
    }));
    const firstNew = (await send('new 1')).seq;
    await send('new 2');
    await alice.page.getByTestId('jump-latest').waitFor();
    await box.evaluate((el) => (el.scrollTop = 200));
    await alice.page.waitForTimeout(1500);
    const scrolled = (await myRoom(alice.page, 'lobby'))!;
    expect(scrolled.readSeq).toBeLessThan(firstNew);
    expect(scrolled.unread).toBe(2);

    // Back at the bottom: read to the end.
    await alice.page.getByTestId('jump-latest').click();
    await poll(async () => (await myRoom(alice.page, 'lobby'))?.unread).toBe(0);

    // The window loses focus: what arrives in view is not read until focus comes back.
    await alice.page.evaluate(() => {
      Document.prototype.hasFocus = () => false;
      window.dispatchEvent(new Event('blur'));
    });
    const away = (await send('while away')).seq;
    await visibleBubble(alice.page, 'while away').waitFor();
    await alice.page.waitForTimeout(1500);
    expect((await myRoom(alice.page, 'lobby'))!.readSeq).toBeLessThan(away);
    await alice.page.evaluate(() => {
      Document.prototype.hasFocus = () => true;
      window.dispatchEvent(new Event('focus'));
    });
    await poll(async () => (await myRoom(alice.page, 'lobby'))?.readSeq).toBe(away);
    expect(alice.errors).toEqual([]);
  });
});
