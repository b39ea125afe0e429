// Rooms that follow the account, in real Chromium against the real server (Version 1.1, "the
// user's rooms"): a DM shows up at once, named by its sender, with an unread badge; a second
// browser shows the same rooms; whoever creates a public room owns and moderates it; a kick from
// a private room sticks; "Message" is offered to accounts only.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { authenticate, confirmationText, createPrivateRoom, createRoom, invite, memberActions, noticeText, roomList, roomTitle } from './account-steps.js';
import { browserAvailable } from './browser.js';
import { bubble, enterChat, openPage, poll, say, server, useBrowser, waitOnline } from './people.js';

const available = browserAvailable();

const entry = (page: Page, label: string) => roomList(page).locator('.room-entry', { hasText: label });
const sidebarNames = (page: Page) => roomList(page).locator('.room-button .name').allInnerTexts();
const offeredNames = async (page: Page) => ((await page.getByTestId('available-rooms').count()) === 0 ? [] : page.getByTestId('available-rooms').locator('.name').allInnerTexts());

describe.skipIf(!available)('rooms that follow the account', () => {
  useBrowser();

  it('a DM appears at once, named by its sender, with an unread badge; a second browser shows the same rooms', { timeout: 90_000 }, async () => {
    const s = await server();
    const alice = await openPage(s.httpUrl + '/');
    await authenticate(alice, 'register', 'alice', 'alice-password-1');
    await createPrivateRoom(alice.page, 'plans');
    await createRoom(alice.page, 'design');
    await entry(alice.page, 'lobby').locator('.room-button').click();

    const bob = await openPage(s.httpUrl + '/');
    await authenticate(bob, 'register', 'bob', 'bob-password-1');
    await memberActions(bob.page, 'alice').click();
    await bob.page.getByTestId('member-action-message').click();
    await poll(() => roomTitle(bob.page)).toBe('alice');

    // At once (the old client polled every minute), under bob's name, before he says anything.
    await entry(alice.page, 'bob').waitFor({ timeout: 5_000 });
    await say(bob.page, 'are you there?');
    await poll(() => entry(alice.page, 'bob').locator('.badge').innerText(), 5_000).toBe('1');
    await entry(alice.page, 'bob').locator('.room-button').click();
    await bubble(alice.page, 'are you there?').waitFor();
    expect(await entry(alice.page, 'bob').locator('.badge').count()).toBe(0);

    // Alice on a second browser: the same rooms, the DM named, her private room hers (not an invitation).
    const laptop = await openPage(s.httpUrl + '/');
    await authenticate(laptop, 'signin', 'alice', 'alice-password-1');
    await poll(() => sidebarNames(laptop.page)).toEqual(['# lobby', '# plans', '# design', 'bob']);
    expect(await offeredNames(laptop.page)).toEqual([]);
    await entry(laptop.page, 'bob').locator('.room-button').click();
    await bubble(laptop.page, 'are you there?').waitFor();

    // Leaving on one device takes the room off the list for the next visit of the other.
    await entry(laptop.page, 'design').locator('.room-leave').click();
    await poll(() => sidebarNames(laptop.page)).not.toContain('# design');
    await alice.page.reload();
    await waitOnline(alice.page);
    await poll(() => sidebarNames(alice.page)).toEqual(['# lobby', '# plans', 'bob']);

    for (const p of [alice, bob, laptop]) expect(p.errors).toEqual([]);
  });

  it('whoever creates a public room owns it: kicks there; "Message" only for accounts', { timeout: 90_000 }, async () => {
    const s = await server();
    const alice = await openPage(s.httpUrl + '/');
    await authenticate(alice, 'register', 'alice', 'alice-password-1');
    await createRoom(alice.page, 'town');
    const visitor = await openPage(s.httpUrl + '/');
    await enterChat(visitor, 'visitor');
    await visitor.page.getByTestId('new-room').fill('town');
    await visitor.page.getByTestId('new-room').press('Enter');
    await poll(() => roomTitle(visitor.page)).toContain('town');

    await poll(() => alice.page.getByTestId('member-list').innerText()).toContain('visitor');
    await memberActions(alice.page, 'visitor').click();
    await alice.page.getByTestId('member-action-kick').waitFor();
    // A guest cannot get a DM: no "Message" for them.
    expect(await alice.page.getByTestId('member-action-message').count()).toBe(0);
    await alice.page.getByTestId('member-action-kick').click();
    await poll(() => confirmationText(alice.page)).toContain('Removed visitor');
    await poll(() => noticeText(visitor.page)).toContain('You were removed from #town');
    await poll(() => sidebarNames(visitor.page)).not.toContain('# town');

    // The same name from another account joins alice's room: it is not theirs.
    const bob = await openPage(s.httpUrl + '/');
    await authenticate(bob, 'register', 'bob', 'bob-password-1');
    await createRoom(bob.page, 'town');
    await poll(() => bob.page.getByTestId('member-list').innerText()).toContain('alice');
    await memberActions(bob.page, 'alice').click();
    await bob.page.getByTestId('member-action-message').waitFor();
    expect(await bob.page.getByTestId('member-action-kick').count()).toBe(0);

    for (const p of [alice, visitor, bob]) expect(p.errors).toEqual([]);
  });

  it('a kick from a private room sticks: not offered again, not joinable, after a reload too', { timeout: 90_000 }, async () => {
    const s = await server();
    const alice = await openPage(s.httpUrl + '/');
    await authenticate(alice, 'register', 'alice', 'alice-password-1');
    const bob = await openPage(s.httpUrl + '/');
    await authenticate(bob, 'register', 'bob', 'bob-password-1');
    await createPrivateRoom(alice.page, 'secret');
    await invite(alice.page, 'bob');
    await poll(() => confirmationText(alice.page)).toContain('Invited bob');
    await bob.page.getByTestId('available-rooms').locator('button', { hasText: 'secret' }).click();
    await poll(() => roomTitle(bob.page)).toContain('secret');
    await say(bob.page, 'hello secret');
    await bubble(alice.page, 'hello secret').waitFor();

    await memberActions(alice.page, 'bob').click();
    await alice.page.getByTestId('member-action-kick').click();
    await poll(() => sidebarNames(bob.page)).not.toContain('# secret');
    await bob.page.reload();
    await waitOnline(bob.page);
    await poll(() => sidebarNames(bob.page)).toEqual(['# lobby']);
    expect(await offeredNames(bob.page)).toEqual([]);
    await bob.page.getByTestId('new-room').fill('secret');
    await bob.page.getByTestId('new-room').press('Enter');
    await poll(() => noticeText(bob.page)).toContain('secret');
    expect(await bubble(bob.page, 'hello secret').count()).toBe(0);

    for (const p of [alice, bob]) expect(p.errors.filter((e) => !/status of 40[34]/.test(e))).toEqual([]);
  });
});
