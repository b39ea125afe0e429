// End-to-end, in real Chromium against the real server: what a new user looks for within minutes.
// The room directory (the public rooms with how many are online, a search, Join, Load more), a
// guest's change of name from the user menu (the others see it, a reload keeps it, a taken or
// invalid name is said in the field), compact messages (denser rows, kept across a reload), and
// an axe audit of the new dialog and menu on a desktop and a phone.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { authenticate, roomTitle } from './account-steps.js';
import { audit } from './account-steps.js';
import { browserAvailable } from './browser.js';
import { bubble, bubbleColour, DESKTOP, enterChat, greenish, openPage, PHONE, poll, raw, say, server, useBrowser, waitOnline } from './people.js';
import type { TestClient, TestServer } from '../../../server/test/helpers.js';

const available = browserAvailable();


/** A raw participant that joins (and so creates) these public rooms and stays in them. */
async function roomsBy(s: TestServer, nick: string, names: string[]): Promise<TestClient> {
  const c = await raw(s.wsUrl({ nick }));
  for (const room of names) {
    for (;;) {
      const reply = await c.request({ type: 'join', room });
      if (reply.type === 'joined') break;
      if (reply.type === 'error' && reply.code === 'rate_limited') await new Promise((r) => setTimeout(r, reply.retryAfterMs ?? 200));
      else throw new Error(`join ${room}: ${JSON.stringify(reply)}`);
    }
  }
  return c;
}

const directory = (page: Page) => page.getByTestId('room-directory');
const rows = (page: Page) => page.getByTestId('directory-room');
const rowNames = (page: Page) => rows(page).evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.room));
const row = (page: Page, name: string) => page.locator(`[data-testid="directory-room"][data-room="${name}"]`);
const focusedTestId = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid ?? document.activeElement?.id ?? null);
const memberNames = (page: Page) => page.getByTestId('member-list').innerText();

/** Opens the user menu and its "Change name" field. */
async function openRename(page: Page): Promise<void> {
  await page.getByTestId('user-menu').click();
  await page.getByTestId('rename-open').click();
  await page.getByTestId('rename-input').waitFor();
}

describe.skipIf(!available)('directory, names and compact messages in Chromium', () => {
  useBrowser();

  it('the directory lists the public rooms with how many are online; search narrows them; Join opens the room', { timeout: 90_000 }, async () => {
    const s = await server({ maxRoomsCreatedPerHour: 0 });
    // 3 rooms to find, and enough others for a second page (a page is 50 rooms).
    const fillers = Array.from({ length: 50 }, (_, i) => `zz-${String(i).padStart(2, '0')}`);
    await roomsBy(s, 'maker', ['design', 'devops', 'music', ...fillers]);
    await roomsBy(s, 'second', ['design']);

    const alice = await openPage(s.httpUrl + '/');
    await enterChat(alice, 'alice');
    const page = alice.page;
    await page.getByTestId('browse-rooms').click();
    await directory(page).waitFor();
    await poll(() => focusedTestId(page)).toBe('directory-search');
    await poll(() => rows(page).count()).toBe(50);
    expect((await rowNames(page)).slice(0, 4)).toEqual(['design', 'devops', 'lobby', 'music']);
    expect(await row(page, 'design').getByTestId('directory-online').innerText()).toBe('2 online');
    expect(await row(page, 'devops').getByTestId('directory-online').innerText()).toBe('1 online');
    // Rooms held already are opened, not joined.
    expect(await row(page, 'lobby').getByTestId('directory-join').innerText()).toBe('Open');
    expect(await row(page, 'music').getByTestId('directory-join').innerText()).toBe('Join');
    expect(await row(page, 'music').getByTestId('directory-join').getAttribute('aria-label')).toBe('Join #music');

    // The next page, appended; the cursor goes to its first room.
    await page.getByTestId('directory-more').click();
    await poll(() => rows(page).count()).toBe(54);
    expect(await page.getByTestId('directory-more').count()).toBe(0);
    await poll(() => page.evaluate(() => (document.activeElement?.closest('[data-room]') as HTMLElement | null)?.dataset.room)).toBe('zz-46');

    // Search narrows the list (any case, a leading # ignored); nothing matching says so.
    await page.getByTestId('directory-search').fill('#DE');
    await poll(() => rowNames(page)).toEqual(['design', 'devops']);
    await page.getByTestId('directory-search').fill('dev');
    await poll(() => rowNames(page)).toEqual(['devops']);
    await page.getByTestId('directory-search').fill('nothing-like-it');
    await poll(() => rows(page).count()).toBe(0);
    expect(await page.getByTestId('directory-status').innerText()).toContain('No public room matches “nothing-like-it”');

    // Join: the room opens, with its people, and the cursor is in the composer.
    await page.getByTestId('directory-search').fill('design');
    await poll(() => rowNames(page)).toEqual(['design']);
    await row(page, 'design').getByTestId('directory-join').click();
    await directory(page).waitFor({ state: 'detached' });
    await poll(() => roomTitle(page)).toContain('design');
    await poll(() => memberNames(page)).toContain('second');
    await poll(() => focusedTestId(page)).toBe('composer');
    await say(page, 'found you through the directory');
    await poll(() => bubble(page, 'found you through the directory').getAttribute('data-status')).toBe('sent');

    // Again: design is "Open" now; Escape closes and gives focus back to the button.
    await page.getByTestId('browse-rooms').click();
    await poll(() => row(page, 'design').getByTestId('directory-join').innerText()).toBe('Open');
    await page.keyboard.press('Escape');
    await directory(page).waitFor({ state: 'detached' });
    await poll(() => focusedTestId(page)).toBe('browse-rooms');
    expect(alice.errors).toEqual([]);
  });

  it('a guest renames from the user menu: the others see the new name, a reload keeps it; a taken or invalid name is refused in the field', { timeout: 90_000 }, async () => {
    const s = await server();
    const carol = await openPage(s.httpUrl + '/');
    await authenticate(carol, 'register', 'carol', 'carol-password-1');
    // An account's name is its username: no "Change name".
    await carol.page.getByTestId('user-menu').click();
    await carol.page.getByTestId('compact-toggle').waitFor();
    expect(await carol.page.getByTestId('rename-open').count()).toBe(0);

    const alice = await openPage(s.httpUrl + '/');
    await enterChat(alice, 'alice');
    const bob = await openPage(s.httpUrl + '/');
    await enterChat(bob, 'bob');
    await poll(() => memberNames(bob.page)).toContain('alice');
    const page = alice.page;

    // Taken: it passes for carol's username.
    await openRename(page);
    expect(await page.getByTestId('rename-input').inputValue()).toBe('alice');
    await page.getByTestId('rename-input').fill('Carol');
    await page.getByTestId('rename-input').press('Enter');
    await poll(() => page.getByTestId('rename-error').innerText()).toContain('belongs to a registered account');
    expect(await page.getByTestId('rename-input').getAttribute('aria-invalid')).toBe('true');
    await poll(() => focusedTestId(page)).toBe('rename-input');
    // Invalid: an invisible character, said without asking the server.
    await page.getByTestId('rename-input').fill('ali\u200bce');
    expect(await page.getByTestId('rename-error').innerText()).toBe('');
    await page.getByTestId('rename-submit').click();
    await poll(() => page.getByTestId('rename-error').innerText()).toContain('1–32 characters');
    expect(await page.getByTestId('user-menu').innerText()).toContain('alice');
    expect(await page.getByTestId('notice').count()).toBe(0);

    // A good name: the menu closes, the page says so, bob sees the rename in his member list.
    await page.getByTestId('rename-input').fill('  Alicia ');
    await page.getByTestId('rename-input').press('Enter');
    await poll(() => page.getByTestId('confirmation').innerText()).toContain('You are now Alicia');
    await poll(() => page.getByTestId('user-menu').innerText()).toContain('Alicia');
    await poll(() => focusedTestId(page)).toBe('user-menu');
    await poll(() => memberNames(bob.page)).toContain('Alicia');
    expect(await memberNames(bob.page)).not.toMatch(/\balice\b/);
    await say(page, 'new name, same me');
    await poll(() => bob.page.locator('.chat-item', { has: bubble(bob.page, 'new name, same me') }).locator('.sender').innerText()).toContain('Alicia');

    // A reload keeps the name (the stored nick follows the rename).
    expect(await page.evaluate(() => localStorage.getItem('chat.nick'))).toBe('Alicia');
    await page.reload();
    await waitOnline(page);
    await poll(() => page.getByTestId('user-menu').innerText()).toContain('Alicia');
    await poll(() => memberNames(bob.page)).toContain('Alicia');

    // Escape leaves the field without renaming.
    await openRename(page);
    await page.getByTestId('rename-input').fill('someone-else');
    await page.getByTestId('rename-input').press('Escape');
    await poll(() => focusedTestId(page)).toBe('rename-open');
    expect(await page.getByTestId('user-menu').innerText()).toContain('Alicia');
    for (const p of [alice, bob, carol]) expect(p.errors).toEqual([]);
  });

  it('compact messages: denser rows, still green mine and white others, grouping kept, and it survives a reload', { timeout: 90_000 }, async () => {
    const s = await server();
    const bob = await raw(s.wsUrl({ nick: 'bob' }));
    await bob.request({ type: 'join', room: 'lobby' });
    // Rows measured without their entrance animation.
    const alice = await openPage(s.httpUrl + '/', { reducedMotion: 'reduce' });
    await enterChat(alice, 'alice');
    const page = alice.page;
    await bob.request({ type: 'send', room: 'lobby', id: 'b1', text: 'first from bob' });
    await bob.request({ type: 'send', room: 'lobby', id: 'b2', text: 'second from bob' });
    await say(page, 'mine in between');
    await poll(() => bubble(page, 'mine in between').getAttribute('data-status')).toBe('sent');

    const item = (text: string) => page.locator('.chat-item', { has: bubble(page, text) });
    const measure = () =>
      Promise.all([item('first from bob'), item('second from bob'), item('mine in between')].map((l) => l.evaluate((el) => Math.round(el.getBoundingClientRect().height))));
    const avatarWidth = () => item('first from bob').locator('.user').evaluate((el) => Math.round(el.getBoundingClientRect().width));
    const roomy = await measure();
    const roomyAvatar = await avatarWidth();
    expect(await item('second from bob').evaluate((el) => el.classList.contains('grouped'))).toBe(true);

    await page.getByTestId('user-menu').click();
    expect(await page.getByTestId('compact-toggle').getAttribute('aria-pressed')).toBe('false');
    await page.getByTestId('compact-toggle').click();
    expect(await page.getByTestId('compact-toggle').getAttribute('aria-pressed')).toBe('true');
    await page.keyboard.press('Escape');

    const checkCompact = async () => {
      const compact = await measure();
      for (let i = 0; i < compact.length; i++) expect(compact[i], `row ${i}: ${roomy[i]} → ${compact[i]}`).toBeLessThan(roomy[i]!);
      expect(compact[0]).toBeLessThanOrEqual(roomy[0]! * 0.75);
      expect(await avatarWidth()).toBeLessThan(roomyAvatar);
      // The sender and the time on one line; the second message of a run has no name nor avatar.
      const sender = item('first from bob').locator('.sender');
      const [nameBox, timeBox] = await Promise.all([sender.locator('bdi').boundingBox(), sender.locator('time').boundingBox()]);
      expect(Math.abs(nameBox!.y - timeBox!.y)).toBeLessThan(6);
      expect(await item('second from bob').locator('.sender').count()).toBe(0);
      expect(await item('second from bob').locator('.user:not(.spacer)').count()).toBe(0);
      expect(greenish(await bubbleColour(bubble(page, 'mine in between')))).toBe(true);
      expect(await bubbleColour(bubble(page, 'first from bob'))).toEqual([255, 255, 255]);
    };
    await checkCompact();

    await page.reload();
    await waitOnline(page);
    await bubble(page, 'mine in between').waitFor();
    await checkCompact();
    await page.getByTestId('user-menu').click();
    expect(await page.getByTestId('compact-toggle').getAttribute('aria-pressed')).toBe('true');
    await page.getByTestId('compact-toggle').click();
    await poll(() => measure()).toEqual(roomy);
    expect(alice.errors).toEqual([]);
  });

  for (const [label, viewport] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    it(`the directory and the menu with the rename field pass an axe audit (${label}); a topic shows on one line`, { timeout: 90_000 }, async () => {
      const s = await server();
      await roomsBy(s, 'maker', ['announcements', 'help']);
      // The audit injects axe as a script, which the page's CSP forbids: let the test bypass it.
      const phone = viewport === PHONE;
      const person = await openPage(s.httpUrl + '/', { viewport, bypassCSP: true, ...(phone ? { isMobile: true, hasTouch: true } : {}) });
      const page = person.page;
      // A server with room topics sends them in the rows: one line, cut with an ellipsis.
      const topic = 'Release notes, outages and other news from the people who run this server, every week';
      await page.route((url) => url.pathname.endsWith('/api/rooms'), async (route) => {
        const response = await route.fetch();
        const body = (await response.json()) as { rooms: Array<{ name: string; topic?: string }> };
        for (const r of body.rooms) if (r.name === 'announcements') r.topic = topic;
        await route.fulfill({ response, json: body });
      });
      await enterChat(person, 'visitor');
      await page.addStyleTag({ content: '*, *::before, *::after { animation: none !important; }' });
      const openSidebar = async () => {
        if (phone && !(await page.getByTestId('browse-rooms').isVisible())) await page.locator('.menu-button').click();
        await page.getByTestId('browse-rooms').waitFor({ state: 'visible' });
      };

      await openSidebar();
      await page.getByTestId('browse-rooms').click();
      await poll(() => rows(page).count()).toBe(3);
      const topicLine = row(page, 'announcements').locator('.directory-topic');
      expect(await topicLine.innerText()).toBe(topic);
      expect(await topicLine.getAttribute('dir')).toBe('auto');
      expect(await topicLine.evaluate((el) => el.scrollWidth > el.clientWidth && el.getBoundingClientRect().height < 24)).toBe(true);
      const box = await directory(page).boundingBox();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(viewport.width);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      expect(await audit(page)).toEqual([]);
      await page.getByTestId('directory-search').fill('zzz');
      await poll(() => page.getByTestId('directory-status').innerText()).toContain('No public room');
      expect(await audit(page)).toEqual([]);
      // Escape closes the dialog from the search field too, text and all.
      await page.getByTestId('directory-search').press('Escape');
      await directory(page).waitFor({ state: 'detached' });

      await openSidebar();
      await openRename(page);
      expect(await audit(page)).toEqual([]);
      await page.getByTestId('rename-input').fill('\u200b');
      await page.getByTestId('rename-submit').click();
      await poll(() => page.getByTestId('rename-error').innerText()).not.toBe('');
      expect(await audit(page)).toEqual([]);
      expect(person.errors).toEqual([]);
    });
  }
});
