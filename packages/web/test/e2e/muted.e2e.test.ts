// End-to-end, in real Chromium: a muted member's composer is disabled with a lasting line "You are
// muted here until HH:MM" (it used to stay enabled, with a notice that the next one replaced),
// also after a reload (the server says so again on join), and enabled again when the time passes.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { JoinedFrame, ModeratedFrame } from '@chat/protocol';
import { TestClient } from '../../../server/test/helpers.js';
import { authenticate, createPrivateRoom, memberActions, openRoom } from './account-steps.js';
import { browserAvailable } from './browser.js';
import { openPage, poll, server, useBrowser, waitOnline } from './people.js';

const available = browserAvailable();

const mutedLine = (page: Page) => page.getByTestId('muted-until');
/** HH:MM as the page writes the time in its locale. */
const clockTime = (page: Page, ms: number) => page.evaluate((t) => new Date(t).toLocaleTimeString('en', { hour: '2-digit', minute: '2-digit' }), ms);

describe.skipIf(!available)('muted in Chromium', () => {
  useBrowser();

  it('disables the composer with the end time, through a reload, until the mute ends', { timeout: 90_000 }, async () => {
    const s = await server();
    const alice = await openPage(s.httpUrl + '/');
    await authenticate(alice, 'register', 'alice', 'alice-password-1');
    const bob = await openPage(s.httpUrl + '/');
    await authenticate(bob, 'register', 'bob', 'bob-password-1');
    // A room alice creates, so that she owns it, and lets bob into.
    await createPrivateRoom(alice.page, 'club');
    await alice.page.getByTestId('invite').click();
    await alice.page.getByTestId('invite-username').fill('bob');
    await alice.page.getByTestId('invite-username').press('Enter');
    await poll(() => alice.page.getByTestId('confirmation').innerText()).toContain('Invited bob');
    await openRoom(bob.page, 'club');
    await poll(() => alice.page.getByTestId('member-list').innerText()).toContain('bob');

    // Alice, the room's owner, mutes bob for 10 minutes from his row in the member list.
    const asked = Date.now();
    await memberActions(alice.page, 'bob').click();
    await alice.page.getByTestId('member-action-mute').click();
    const page = bob.page;
    const composer = page.getByTestId('composer');
    await poll(() => composer.isDisabled()).toBe(true);
    const until = asked + 10 * 60_000;
    const expected = [await clockTime(page, until), await clockTime(page, until + 5_000)];
    const line = await mutedLine(page).innerText();
    expect(expected.map((hhmm) => `You are muted here until ${hhmm}`)).toContain(line);
    expect(await page.getByTestId('send').isDisabled()).toBe(true);

    // Another notice does not take it away, and neither does a reload.
    await page.reload();
    await waitOnline(page);
    await poll(() => mutedLine(page).innerText()).toBe(line);
    expect(await composer.isDisabled()).toBe(true);

    // The lobby is not muted.
    await page.getByTestId('room-list').locator('button', { hasText: 'lobby' }).first().click();
    await poll(() => composer.isDisabled()).toBe(false);
    expect(await mutedLine(page).count()).toBe(0);
    await page.getByTestId('room-list').locator('button', { hasText: 'club' }).first().click();
    await poll(() => composer.isDisabled()).toBe(true);

    // Alice mutes him again for two seconds (from a protocol client with her session): when that
    // ends, his composer comes back by itself.
    const cookie = (await alice.context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const owner = await TestClient.connect(s, { headers: { cookie, origin: s.httpUrl } });
    try {
      const joined = await owner.request<JoinedFrame>({ type: 'join', room: 'club' });
      const target = joined.members.find((m) => m.nick === 'bob')!;
      const reply = await owner.request<ModeratedFrame>({ type: 'mute', room: 'club', user: target.id, ms: 2_000 });
      expect(reply.until).toBeLessThan(until);
    } finally {
      await owner.close();
    }
    await poll(() => composer.isDisabled()).toBe(false);
    expect(await mutedLine(page).count()).toBe(0);
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  });
});
