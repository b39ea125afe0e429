// End-to-end tests of accounts in the web client, in real Chromium against the real
// server: register -> private room -> invite -> the invitee chats; a guest is refused; a kick
// removes the room with a notice; a reload keeps the session; sign-out returns to the welcome
// screen. Then DMs from the member list, a mute, access tokens, the sign-in errors (401, 409, 429),
// a server without guests, and an axe-core audit of the new screens.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { WelcomeFrame } from '@chat/protocol';
import { browserAvailable } from './browser.js';
import { audit, authenticate, confirmationText, createPrivateRoom, invite, memberActions, noticeText, roomList, roomTitle } from './account-steps.js';
import { bubble, enterChat, openPage, poll, raw, say, server, trackedDataDir, useBrowser, waitOnline } from './people.js';

const available = browserAvailable();

/** The browser's own report of an HTTP error the test provoked on purpose (401, 409, 429). */
const EXPECTED_HTTP_ERRORS = /Failed to load resource: the server responded with a status of (400|401|409|429)/;

/** Every WebSocket URL the page opens, in order. */
function socketUrls(page: Page): string[] {
  const urls: string[] = [];
  page.on('websocket', (ws) => urls.push(ws.url()));
  return urls;
}

describe.skipIf(!available)('accounts in Chromium', () => {
  useBrowser();

  // Guests are tagged beside their nick, in messages and in the member list; and a guest's
  // token never goes in the WebSocket URL (it would land in proxy access logs).
  it('marks guests with a "guest" tag; a guest reconnects without its token in the URL', { timeout: 60_000 }, async () => {
    const s = await server();
    const alice = await openPage(s.httpUrl + '/');
    await authenticate(alice, 'register', 'alice', 'alice-password-1');
    const visitor = await openPage(s.httpUrl + '/');
    const visitorSockets = socketUrls(visitor.page);
    await enterChat(visitor, 'visitor');
    await say(alice.page, 'hello from an account');
    await say(visitor.page, 'hello from a guest');
    await bubble(alice.page, 'hello from a guest').waitFor();
    await bubble(visitor.page, 'hello from an account').waitFor();

    const sender = (page: Page, text: string) => page.locator('.chat-item', { has: bubble(page, text) }).locator('.sender');
    expect(await sender(alice.page, 'hello from a guest').innerText()).toMatch(/^visitor\s+guest$/);
    expect(await sender(visitor.page, 'hello from an account').innerText()).toBe('alice');
    const memberRow = (page: Page, nick: string) => page.getByTestId('member-list').locator('.member-row', { hasText: nick });
    await poll(() => memberRow(alice.page, 'visitor').getByTestId('guest-tag').count()).toBe(1);
    expect(await memberRow(alice.page, 'alice').getByTestId('guest-tag').count()).toBe(0);
    expect(await memberRow(visitor.page, 'visitor').getByTestId('guest-tag').innerText()).toBe('guest');
    await alice.page.screenshot({ path: process.env.GUEST_TAG_SCREENSHOT ?? `${trackedDataDir()}/guest-tag.png` });

    // The guest reloads: the same guest again (its token restored it), and no socket URL of the
    // page ever carried the token, only the first one its nick.
    const before = await visitor.page.evaluate(() => localStorage.getItem('chat.token'));
    expect(before).toBeTruthy();
    await visitor.page.reload();
    await waitOnline(visitor.page);
    await bubble(visitor.page, 'hello from a guest').waitFor();
    expect(await visitor.page.evaluate(() => localStorage.getItem('chat.token'))).toBe(before);
    expect(visitorSockets.length).toBeGreaterThanOrEqual(2);
    for (const url of visitorSockets) expect(url).not.toContain(before!);
    expect(visitorSockets.map((url) => new URL(url).search)).toEqual(['?nick=visitor', ...visitorSockets.slice(1).map(() => '')]);
    expect([...alice.errors, ...visitor.errors]).toEqual([]);
  });

  it('register -> private room -> invite -> the invitee chats; a guest is refused; a kick removes it; reload keeps the session; sign out', { timeout: 90_000 }, async () => {
    const s = await server();
    const alice = await openPage(s.httpUrl + '/');
    const aliceSockets = socketUrls(alice.page);
    await authenticate(alice, 'register', 'alice', 'alice-password-1');
    // Connected as the account: the cookie, no ?token= or ?nick= in the WebSocket URL.
    expect(aliceSockets.length).toBeGreaterThan(0);
    expect(new URL(aliceSockets.at(-1)!).search).toBe('');
    await poll(() => alice.page.getByTestId('user-menu').innerText()).toContain('alice');

    // A private room: created, joined, locked, owned.
    await createPrivateRoom(alice.page, 'secret');
    await alice.page.locator('.count [data-testid="room-lock"]').waitFor();
    expect(await alice.page.locator('.count [data-testid="room-lock"]').getAttribute('aria-label')).toBe('Private room');
    await roomList(alice.page).locator('button', { hasText: 'secret' }).locator('[data-testid="room-lock"]').waitFor();
    await say(alice.page, 'alice in the secret room');
    await poll(() => bubble(alice.page, 'alice in the secret room').getAttribute('data-status')).toBe('sent');

    // Creating it again is refused, with a notice.
    await alice.page.getByTestId('new-room-private').check();
    await alice.page.getByTestId('new-room').fill('secret');
    await alice.page.getByTestId('new-room').press('Enter');
    await poll(() => noticeText(alice.page)).toContain('already exists');
    await alice.page.getByTestId('new-room-private').uncheck();

    // Bob registers in his own browser context.
    const bob = await openPage(s.httpUrl + '/');
    await authenticate(bob, 'register', 'bob', 'bob-password-1');

    // An unknown username cannot be invited; bob can.
    await invite(alice.page, 'nobody-here');
    await poll(() => noticeText(alice.page)).toContain('nobody-here');
    await invite(alice.page, 'bob');
    await poll(() => confirmationText(alice.page)).toContain('Invited bob');
    expect(await alice.page.getByTestId('notice').count()).toBe(0); // the refusal is cleared by the success

    // Bob reloads: still signed in (no welcome screen), and the invitation is offered (api/rooms).
    await bob.page.reload();
    await waitOnline(bob.page);
    expect(await bob.page.getByTestId('nick-input').count()).toBe(0);
    const offered = bob.page.getByTestId('available-rooms').locator('button', { hasText: 'secret' });
    await offered.click();
    await poll(() => roomTitle(bob.page)).toContain('secret');
    await bubble(bob.page, 'alice in the secret room').waitFor();
    await say(bob.page, 'bob made it in');
    await bubble(alice.page, 'bob made it in').waitFor();
    await say(alice.page, 'welcome bob');
    await bubble(bob.page, 'welcome bob').waitFor();

    // A guest cannot join it: refused, removed, told.
    const carol = await openPage(s.httpUrl + '/');
    await enterChat(carol, 'carol');
    await carol.page.getByTestId('new-room').fill('secret');
    await carol.page.getByTestId('new-room').press('Enter');
    await poll(() => noticeText(carol.page)).toContain('cannot join #secret');
    await poll(() => roomList(carol.page).innerText()).not.toContain('secret');
    expect(await bubble(carol.page, 'welcome bob').count()).toBe(0);
    // A guest sees no account actions: no private checkbox, a "Sign in / register" entry.
    expect(await carol.page.getByTestId('new-room-private').count()).toBe(0);
    await carol.page.getByTestId('user-menu').click();
    await carol.page.getByTestId('open-sign-in').waitFor();
    await carol.page.keyboard.press('Escape');

    // Alice kicks bob: his room disappears, with a notice; hers says it worked.
    await memberActions(alice.page, 'bob').click();
    await alice.page.getByTestId('member-action-kick').click();
    await poll(() => confirmationText(alice.page)).toContain('Removed bob');
    await poll(() => roomList(bob.page).innerText()).not.toContain('secret');
    await poll(() => noticeText(bob.page)).toContain('You were removed from #secret');
    expect(await roomTitle(bob.page)).toContain('lobby');

    // A reload keeps alice signed in, in her rooms.
    await alice.page.reload();
    await waitOnline(alice.page);
    expect(await alice.page.getByTestId('nick-input').count()).toBe(0);
    await poll(() => alice.page.getByTestId('user-menu').innerText()).toContain('alice');
    await roomList(alice.page).locator('button', { hasText: 'secret' }).waitFor();
    expect(new URL(aliceSockets.at(-1)!).search).toBe('');

    // Sign out: back to the welcome screen, the cookie is gone, and a reload stays signed out.
    await alice.page.getByTestId('user-menu').click();
    await alice.page.getByTestId('sign-out').click();
    await alice.page.getByTestId('auth-mode-signin').waitFor();
    await alice.page.getByTestId('nick-input').waitFor();
    expect((await alice.context.cookies()).some((c) => c.name === 'session')).toBe(false);
    await alice.page.reload();
    await alice.page.getByTestId('auth-mode-signin').waitFor();
    expect(await alice.page.getByTestId('composer').count()).toBe(0);

    // Signing in again brings the account back (a new session).
    await authenticate(alice, 'signin', 'alice', 'alice-password-1');
    await poll(() => alice.page.getByTestId('user-menu').innerText()).toContain('alice');

    for (const p of [alice, bob, carol]) expect(p.errors).toEqual([]);
  });

  it('a DM from the member list, a mute, and access tokens', { timeout: 90_000 }, async () => {
    const s = await server();
    const alice = await openPage(s.httpUrl + '/');
    await authenticate(alice, 'register', 'alice', 'alice-password-1');
    const bob = await openPage(s.httpUrl + '/');
    await authenticate(bob, 'register', 'bob', 'bob-password-1');

    // Alice messages bob from the lobby's member list: a DM room named after him, locked.
    await memberActions(alice.page, 'bob').click();
    await alice.page.getByTestId('member-action-message').click();
    await poll(() => roomTitle(alice.page)).toBe('bob');
    expect(await alice.page.locator('.count [data-testid="room-lock"]').getAttribute('aria-label')).toBe('Direct message');
    await say(alice.page, 'psst bob');
    await poll(() => bubble(alice.page, 'psst bob').getAttribute('data-status')).toBe('sent');
    // Bob opens the same DM from his side; it is titled with alice's name.
    await memberActions(bob.page, 'alice').click();
    await bob.page.getByTestId('member-action-message').click();
    await poll(() => roomTitle(bob.page)).toBe('alice');
    await bubble(bob.page, 'psst bob').waitFor();

    // A muted member is told so, and the composer waits until the mute ends (muted.e2e.test.ts).
    await bob.page.getByTestId('room-list').locator('button', { hasText: 'lobby' }).first().click();
    await alice.page.getByTestId('room-list').locator('button', { hasText: 'lobby' }).first().click();
    await createPrivateRoom(alice.page, 'club');
    await invite(alice.page, 'bob');
    await poll(() => confirmationText(alice.page)).toContain('Invited bob');
    await bob.page.getByTestId('new-room').fill('club');
    await bob.page.getByTestId('new-room').press('Enter');
    await poll(() => roomTitle(bob.page)).toContain('club');
    await poll(() => alice.page.getByTestId('member-list').innerText()).toContain('bob');
    await memberActions(alice.page, 'bob').click();
    await alice.page.getByTestId('member-action-mute').click();
    await poll(() => confirmationText(alice.page)).toMatch(/Muted bob in #club for 10 min/);
    await poll(() => noticeText(bob.page)).toContain('muted you in #club');
    await poll(() => bob.page.getByTestId('composer').isDisabled()).toBe(true);
    expect(await bob.page.getByTestId('muted-until').innerText()).toMatch(/^You are muted here until /);
    // Moderation is offered to the owner, not to bob (a member).
    await poll(() => bob.page.getByTestId('member-list').innerText()).toContain('alice');
    await memberActions(bob.page, 'alice').click();
    expect(await bob.page.getByTestId('member-action-kick').count()).toBe(0);
    await bob.page.getByTestId('member-action-message').waitFor();
    await bob.page.keyboard.press('Escape');

    // Access tokens: create one (shown once), use it, delete it.
    await alice.page.getByTestId('user-menu').click();
    await alice.page.getByTestId('open-tokens').click();
    const dialog = alice.page.getByTestId('tokens-dialog');
    await dialog.waitFor();
    await dialog.getByTestId('token-name').fill('my bot');
    await dialog.getByTestId('token-create').click();
    const token = await dialog.getByTestId('token-value').inputValue();
    expect(token.length).toBeGreaterThan(20);
    await poll(() => dialog.getByTestId('token-list').innerText()).toContain('my bot');
    const bot = await raw(s.wsUrl({ token }));
    expect((bot.welcome as WelcomeFrame).user.nick).toBe('alice');
    await dialog.getByRole('button', { name: 'Delete token my bot' }).click();
    await poll(() => dialog.getByTestId('token-list').count()).toBe(0);
    await poll(async () => (await bot.closed.then(() => 'closed')) ?? 'open').toBe('closed');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });
    // Closing the dialog hands focus back to the menu button.
    await poll(() => alice.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('user-menu');

    for (const p of [alice, bob]) expect(p.errors).toEqual([]);
  });

  it('sign-in and registration errors: weak password, taken name, wrong password, throttled', { timeout: 90_000 }, async () => {
    const s = await server();
    const person = await openPage(s.httpUrl + '/');
    const page = person.page;
    const error = () => page.getByTestId('auth-error').innerText();

    // Checked on the page first: a short password, a bad username.
    await page.getByTestId('auth-mode-register').click();
    await page.getByTestId('auth-username').fill('dora');
    await page.getByTestId('auth-password').fill('short');
    await page.getByTestId('auth-submit').click();
    await poll(error).toContain('at least 8 characters');
    await page.getByTestId('auth-username').fill('x');
    await page.getByTestId('auth-password').fill('long-enough-1');
    await page.getByTestId('auth-submit').click();
    await poll(error).toContain('3–32 characters');
    // One of the most common passwords: refused by the server, which the page puts into words.
    await page.getByTestId('auth-username').fill('dora');
    await page.getByTestId('auth-password').fill('Password1');
    await page.getByTestId('auth-submit').click();
    await poll(error).toContain('most common');
    await page.getByTestId('auth-password').fill('long-enough-1');

    // Someone else took "dora" (a raw registration, as another browser would).
    const taken = await fetch(`${s.httpUrl}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: s.httpUrl },
      body: JSON.stringify({ username: 'dora', password: 'doras-password' }),
    });
    expect(taken.status).toBe(201);
    await page.getByTestId('auth-username').fill('dora');
    await page.getByTestId('auth-submit').click();
    await poll(error).toContain('taken');

    // Wrong password (401), then throttled (429) with the wait in seconds: after three failures
    // from one address, that address waits 5 s before its next try at the account, right or not.
    await page.getByTestId('auth-mode-signin').click();
    await page.getByTestId('auth-username').fill('dora');
    for (let i = 0; i < 3; i++) {
      await page.getByTestId('auth-password').fill(`wrong-${i}-password`);
      await page.getByTestId('auth-submit').click();
      await poll(error).toContain('Wrong username or password');
      await page.getByTestId('auth-error').evaluate((el) => (el.textContent = ''));
    }
    await page.getByTestId('auth-password').fill('doras-password');
    await page.getByTestId('auth-submit').click();
    await poll(error).toMatch(/Try again in \d+ s/);
    expect(await page.getByTestId('composer').count()).toBe(0);

    expect(person.errors.filter((e) => !EXPECTED_HTTP_ERRORS.test(e))).toEqual([]);
  });

  it('without guests: only sign-in and register, which works; the screens pass an axe audit', { timeout: 60_000 }, async () => {
    const s = await server({ allowGuests: false });
    // The audit injects axe as a script, which the page's CSP forbids: let the test bypass it.
    const person = await openPage(s.httpUrl + '/', { bypassCSP: true });
    const page = person.page;
    await page.getByTestId('auth-username').waitFor();
    await poll(() => page.getByTestId('nick-input').count()).toBe(0);
    expect(await page.getByTestId('auth-mode-guest').count()).toBe(0);
    expect(await audit(page)).toEqual([]);
    await page.getByTestId('auth-mode-register').click();
    expect(await audit(page)).toEqual([]);
    await authenticate(person, 'register', 'erin', 'erins-password');
    await page.addStyleTag({ content: '*, *::before, *::after { animation: none !important; }' });
    await createPrivateRoom(page, 'erins-room');
    await page.getByTestId('invite').click();
    await page.getByTestId('invite-username').waitFor();
    expect(await audit(page)).toEqual([]);
    await page.getByTestId('user-menu').click();
    await page.getByTestId('open-tokens').click();
    await page.getByTestId('tokens-dialog').getByTestId('token-name').fill('ci');
    await page.getByTestId('tokens-dialog').getByTestId('token-create').click();
    await page.getByTestId('tokens-dialog').getByTestId('token-value').waitFor();
    expect(await audit(page)).toEqual([]);
    expect(person.errors).toEqual([]);
  });
});
